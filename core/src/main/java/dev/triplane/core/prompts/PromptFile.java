package dev.triplane.core.prompts;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.geometry.RasVoxelMap;
import dev.triplane.core.labels.FrameMask;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.volume.Grid;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads user prompts from the formats of {@code docs/prompts.md} and checks them against the volume and its label
 * table: a prompt file of version 1 (frame pixels of named slices of the RAS+ volume), of version 2 (also world
 * millimetres in RAS or LPS, or voxel indices of the input's own order, placed on slices by {@link PromptSlices}),
 * or 3D Slicer markups ({@link SlicerMarkups}, told apart by their {@code "markups"} array). Every structure and
 * axis is propagated over the whole axis ({@link FrameRange#whole}). Every error is a {@link PromptFileException}
 * naming the file and the field. {@link #canonical} writes a checked prompt set back as version 1, the form the
 * axis-worker reads.
 */
public final class PromptFile {

    /** The newest format version this reader understands; version 1 files keep their meaning. */
    public static final int VERSION = 2;
    /**
     * Most clicks one slice may carry. Each point is a token of SAM2's mask decoder, whose attention grows with the
     * square of the token count: a file with 100 000 points on one slice (a fuzz case) made the axis-worker take
     * 20 GB of native memory. Interactive use places a few clicks.
     */
    public static final int MAX_POINTS = 64;

    /**
     * Strict about what readers disagree on: a duplicate key (which value counts?) and anything after the
     * document are errors, not silently dropped.
     */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Set<String> TOP_FIELDS = Set.of("version", "prompts");
    private static final Set<String> TOP_FIELDS_V2 = Set.of("version", "space", "prompts");
    private static final Set<String> PROMPT_FIELDS = Set.of("structure", "axis", "slice", "points", "box", "mask");
    private static final Set<String> PROMPT_FIELDS_3D = Set.of("structure", "points", "box", "outline");
    private static final Set<String> POINT_FIELDS = Set.of("x", "y", "label");
    private static final Set<String> POINT_FIELDS_3D = Set.of("x", "y", "z", "label");

    private final PromptJson json;
    private final RasVoxelMap map;
    private final Grid ras;

    private PromptFile(PromptJson json, RasVoxelMap map) {
        this.json = json;
        this.map = map;
        this.ras = map.ras();
    }

    /**
     * @param file the prompt file or markups
     * @param input the grid of the volume the prompts are for, as read (its own voxel order); the prompts refer to
     *     its RAS+ reorientation
     * @param table the label table structure names and ids resolve against
     * @return one entry per structure and axis, ordered by structure id then axis
     */
    public static List<StructurePrompts> read(Path file, Grid input, LabelTable table) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), input, table);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prompt file " + file, e);
        }
    }

    /** As {@link #read(Path, Grid, LabelTable)}, from a stream; {@code source} names it in errors. */
    public static List<StructurePrompts> read(InputStream json, String source, Grid input, LabelTable table) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new PromptFileException(source, "", "not valid JSON: " + e.getOriginalMessage());
        }
        PromptJson fields = new PromptJson(source, table);
        RasVoxelMap map = new RasVoxelMap(input);
        if (root != null && root.isObject() && root.has("markups")) {
            return SlicerMarkups.read(root, fields, map);
        }
        return new PromptFile(fields, map).parse(root);
    }

    /**
     * A checked prompt set as a version 1 prompt file (structure ids, RAS+ frame pixels, masks as row runs): what
     * ingest stores for the axis-worker, whatever format the user gave.
     */
    public static byte[] canonical(List<StructurePrompts> prompts) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        ArrayNode entries = root.putArray("prompts");
        for (StructurePrompts s : prompts) {
            for (FramePrompt p : s.prompts()) {
                ObjectNode e = entries.addObject();
                e.put("structure", p.structureId());
                e.put("axis", p.axis().id());
                e.put("slice", p.frame());
                if (!p.points().isEmpty()) {
                    ArrayNode points = e.putArray("points");
                    for (PointPrompt point : p.points()) {
                        points.addObject().put("x", point.x()).put("y", point.y()).put("label", point.label());
                    }
                }
                if (p.hasBox()) {
                    e.putArray("box").add(p.box().x0()).add(p.box().y0()).add(p.box().x1()).add(p.box().y1());
                }
                if (p.hasMask()) {
                    ArrayNode runs = e.putArray("mask");
                    FrameMask m = p.mask();
                    for (int y = 0; y < m.height(); y++) {
                        for (int x = 0; x < m.width(); x++) {
                            if (m.pixels()[x + m.width() * y]) {
                                int x1 = x;
                                while (x1 + 1 < m.width() && m.pixels()[x1 + 1 + m.width() * y]) {
                                    x1++;
                                }
                                runs.addArray().add(y).add(x).add(x1);
                                x = x1;
                            }
                        }
                    }
                }
            }
        }
        return JSON.writeValueAsBytes(root);
    }

    private List<StructurePrompts> parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw json.error("", "expected a JSON object with \"version\" and \"prompts\"");
        }
        JsonNode versionNode = root.get("version");
        // intValue() throws for integers beyond int: canConvertToInt() first, here and below
        int version = versionNode == null ? 1
                : versionNode.isIntegralNumber() && versionNode.canConvertToInt() ? versionNode.intValue() : -1;
        if (version != 1 && version != 2) {
            throw json.error("version", "unsupported version " + versionNode + ", expected 1 or " + VERSION);
        }
        json.knownFields(root, "", version == 1 ? TOP_FIELDS : TOP_FIELDS_V2);
        PromptSpace space = PromptSpace.RAS_VOXEL;
        if (root.get("space") != null) {
            JsonNode spaceNode = root.get("space");
            try {
                space = PromptSpace.parse(spaceNode.isString() ? spaceNode.asString() : spaceNode.toString());
            } catch (IllegalArgumentException e) {
                throw json.error("space", e.getMessage());
            }
        }
        JsonNode prompts = root.get("prompts");
        if (prompts == null || !prompts.isArray()) {
            throw json.error("prompts", "missing or not an array");
        }
        if (prompts.isEmpty()) {
            throw json.error("prompts", "empty prompt set: give at least one prompt");
        }
        PromptSlices slices = new PromptSlices(json, ras, version == 2);
        for (int n = 0; n < prompts.size(); n++) {
            String at = "prompts[" + n + "]";
            JsonNode node = prompts.get(n);
            if (!node.isObject()) {
                throw json.error(at, "expected an object with structure, axis, slice and points, box or mask");
            }
            if (version == 1 || node.has("axis") || node.has("slice")) {
                if (space != PromptSpace.RAS_VOXEL) {
                    throw json.error(at, "an entry on a named axis and slice takes frame pixels of the RAS+ volume:"
                            + " give 3D positions (x, y, z) in a file of space " + space.id()
                            + ", or use \"space\": \"ras-voxel\"");
                }
                slicePrompt(node, at, slices);
            } else {
                positionedPrompt(node, at, space, slices);
            }
        }
        return slices.build();
    }

    /** An entry on a named axis and slice, in that frame's pixels (version 1). */
    private void slicePrompt(JsonNode node, String at, PromptSlices slices) {
        json.knownFields(node, at, PROMPT_FIELDS);
        int id = json.structure(json.required(node, "structure", at), at + ".structure");
        JsonNode axisNode = json.required(node, "axis", at);
        Axis axis;
        try {
            axis = Axis.parse(axisNode.isString() ? axisNode.asString() : axisNode.toString());
        } catch (IllegalArgumentException e) {
            throw json.error(at + ".axis", e.getMessage());
        }
        AxisFrames frames = new AxisFrames(ras, axis);
        int slice = json.integer(json.required(node, "slice", at), at + ".slice", 0, frames.frameCount() - 1,
                axis.id() + " slices of a " + ras.nx() + "x" + ras.ny() + "x" + ras.nz() + " RAS volume");
        int width = frames.frameWidth();
        int height = frames.frameHeight();
        List<PointPrompt> points = new ArrayList<>();
        JsonNode pointsNode = node.get("points");
        if (pointsNode != null) {
            if (!pointsNode.isArray()) {
                throw json.error(at + ".points", "expected an array of {\"x\", \"y\", \"label\"}");
            }
            for (int p = 0; p < pointsNode.size(); p++) {
                points.add(point(pointsNode.get(p), at + ".points[" + p + "]", axis, width, height));
            }
        }
        BoxPrompt box = node.get("box") == null ? null : box(node.get("box"), at + ".box", axis, width, height);
        FrameMask mask = node.get("mask") == null ? null : mask(node.get("mask"), at + ".mask", axis, width, height);
        if (points.isEmpty() && box == null && mask == null) {
            throw json.error(at, "no points, box or mask");
        }
        slices.add(id, axis, slice, points, box, mask, at);
    }

    /** An entry of 3D positions in the file's space (version 2): placed on slices through them. */
    private void positionedPrompt(JsonNode node, String at, PromptSpace space, PromptSlices slices) {
        json.knownFields(node, at, PROMPT_FIELDS_3D);
        int id = json.structure(json.required(node, "structure", at), at + ".structure");
        JsonNode pointsNode = node.get("points");
        JsonNode boxNode = node.get("box");
        JsonNode outlineNode = node.get("outline");
        if (pointsNode == null && boxNode == null && outlineNode == null) {
            throw json.error(at, "no points, box or outline (or give axis and slice for frame pixels)");
        }
        if (pointsNode != null) {
            if (!pointsNode.isArray() || pointsNode.isEmpty()) {
                throw json.error(at + ".points", "expected a non-empty array of {\"x\", \"y\", \"z\", \"label\"}");
            }
            for (int p = 0; p < pointsNode.size(); p++) {
                String field = at + ".points[" + p + "]";
                JsonNode point = pointsNode.get(p);
                if (!point.isObject()) {
                    throw json.error(field, "expected {\"x\": .., \"y\": .., \"z\": .., \"label\": 1 or 0}");
                }
                json.knownFields(point, field, POINT_FIELDS_3D);
                double[] v = space.toRasVoxel(map, json.number(json.required(point, "x", field), field + ".x"),
                        json.number(json.required(point, "y", field), field + ".y"),
                        json.number(json.required(point, "z", field), field + ".z"));
                slices.point(id, v, label(json.required(point, "label", field), field + ".label"), field);
            }
        }
        if (boxNode != null) {
            String field = at + ".box";
            if (!boxNode.isArray() || boxNode.size() != 6) {
                throw json.error(field, "expected two opposite corners [x0, y0, z0, x1, y1, z1]");
            }
            double[] c = new double[6];
            for (int d = 0; d < 6; d++) {
                c[d] = json.number(boxNode.get(d), field + "[" + d + "]");
            }
            List<double[]> corners = new ArrayList<>(8);
            for (int corner = 0; corner < 8; corner++) {
                corners.add(space.toRasVoxel(map, c[(corner & 1) * 3], c[1 + ((corner >> 1) & 1) * 3],
                        c[2 + ((corner >> 2) & 1) * 3]));
            }
            slices.box(id, corners, field);
        }
        if (outlineNode != null) {
            String field = at + ".outline";
            if (!outlineNode.isArray()) {
                throw json.error(field, "expected an array of points [x, y, z] on one slice");
            }
            List<double[]> vertices = new ArrayList<>();
            for (int p = 0; p < outlineNode.size(); p++) {
                double[] v = json.triple(outlineNode.get(p), field + "[" + p + "]");
                vertices.add(space.toRasVoxel(map, v[0], v[1], v[2]));
            }
            slices.outline(id, vertices, field);
        }
    }

    private boolean label(JsonNode label, String at) {
        if (!label.isIntegralNumber() || !label.canConvertToInt() || (label.intValue() != 0 && label.intValue() != 1)) {
            throw json.error(at, "expected 1 (positive) or 0 (negative), got " + label);
        }
        return label.intValue() == 1;
    }

    private PointPrompt point(JsonNode node, String at, Axis axis, int width, int height) {
        if (!node.isObject()) {
            throw json.error(at, "expected {\"x\": .., \"y\": .., \"label\": 1 or 0}");
        }
        json.knownFields(node, at, POINT_FIELDS);
        double x = json.coordinate(json.required(node, "x", at), at + ".x", width, axis.id() + " frame width");
        double y = json.coordinate(json.required(node, "y", at), at + ".y", height, axis.id() + " frame height");
        return new PointPrompt(x, y, label(json.required(node, "label", at), at + ".label"));
    }

    private BoxPrompt box(JsonNode node, String at, Axis axis, int width, int height) {
        if (!node.isArray() || node.size() != 4) {
            throw json.error(at, "expected [x0, y0, x1, y1]");
        }
        double x0 = json.coordinate(node.get(0), at + "[0]", width, axis.id() + " frame width");
        double y0 = json.coordinate(node.get(1), at + "[1]", height, axis.id() + " frame height");
        double x1 = json.coordinate(node.get(2), at + "[2]", width, axis.id() + " frame width");
        double y1 = json.coordinate(node.get(3), at + "[3]", height, axis.id() + " frame height");
        if (x1 < x0 || y1 < y0) {
            throw json.error(at, "corners must satisfy x0 <= x1 and y0 <= y1, got " + node);
        }
        return new BoxPrompt(x0, y0, x1, y1);
    }

    private FrameMask mask(JsonNode node, String at, Axis axis, int width, int height) {
        if (!node.isArray() || node.isEmpty()) {
            throw json.error(at, "expected a non-empty array of row runs [y, x0, x1]");
        }
        boolean[] pixels = new boolean[width * height];
        for (int r = 0; r < node.size(); r++) {
            JsonNode run = node.get(r);
            String field = at + "[" + r + "]";
            if (!run.isArray() || run.size() != 3) {
                throw json.error(field, "expected a row run [y, x0, x1]");
            }
            int y = json.integer(run.get(0), field + "[0]", 0, height - 1, axis.id() + " frame height " + height);
            int x0 = json.integer(run.get(1), field + "[1]", 0, width - 1, axis.id() + " frame width " + width);
            int x1 = json.integer(run.get(2), field + "[2]", x0, width - 1, "x0.." + axis.id() + " frame width");
            for (int x = x0; x <= x1; x++) {
                pixels[x + width * y] = true;
            }
        }
        return new FrameMask(width, height, pixels);
    }
}
