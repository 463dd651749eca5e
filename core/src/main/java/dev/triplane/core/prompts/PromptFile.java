package dev.triplane.core.prompts;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.labels.FrameMask;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.volume.Grid;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads user prompts on named slices from the JSON format of {@code docs/prompts.md} and checks them against
 * the volume and its label table. Slices and pixels are those of the volume in RAS+ voxel order
 * ({@link AxisFrames}); each structure and axis is propagated over the whole axis
 * ({@link FrameRange#whole}). Every error is a {@link PromptFileException} naming the file and the field.
 */
public final class PromptFile {

    /** The format version this reader understands. */
    public static final int VERSION = 1;
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
    private static final Set<String> PROMPT_FIELDS = Set.of("structure", "axis", "slice", "points", "box", "mask");
    private static final Set<String> POINT_FIELDS = Set.of("x", "y", "label");

    private final String source;
    private final Grid ras;
    private final LabelTable table;

    private PromptFile(String source, Grid ras, LabelTable table) {
        this.source = source;
        this.ras = ras;
        this.table = table;
    }

    /**
     * @param file the prompt file
     * @param ras the RAS+ grid of the volume the prompts are for
     * @param table the label table structure names and ids resolve against
     * @return one entry per structure and axis, ordered by structure id then axis
     */
    public static List<StructurePrompts> read(Path file, Grid ras, LabelTable table) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), ras, table);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prompt file " + file, e);
        }
    }

    /** As {@link #read(Path, Grid, LabelTable)}, from a stream; {@code source} names it in errors. */
    public static List<StructurePrompts> read(InputStream json, String source, Grid ras, LabelTable table) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new PromptFileException(source, "", "not valid JSON: " + e.getOriginalMessage());
        }
        return new PromptFile(source, ras, table).parse(root);
    }

    private List<StructurePrompts> parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw error("", "expected a JSON object with \"version\" and \"prompts\"");
        }
        knownFields(root, "", TOP_FIELDS);
        JsonNode version = root.get("version");
        // intValue() throws for integers beyond int: canConvertToInt() first, here and below
        if (version != null
                && !(version.isIntegralNumber() && version.canConvertToInt() && version.intValue() == VERSION)) {
            throw error("version", "unsupported version " + version + ", expected " + VERSION);
        }
        JsonNode prompts = root.get("prompts");
        if (prompts == null || !prompts.isArray()) {
            throw error("prompts", "missing or not an array");
        }
        if (prompts.isEmpty()) {
            throw error("prompts", "empty prompt set: give at least one prompt");
        }
        Map<Integer, Map<Axis, Map<Integer, FramePrompt>>> byStructure = new TreeMap<>();
        for (int n = 0; n < prompts.size(); n++) {
            String at = "prompts[" + n + "]";
            FramePrompt p = prompt(prompts.get(n), at);
            FramePrompt previous = byStructure.computeIfAbsent(p.structureId(), id -> new TreeMap<>())
                    .computeIfAbsent(p.axis(), a -> new TreeMap<>()).put(p.frame(), p);
            if (previous != null) {
                throw error(at, "a second prompt for structure " + p.structureId() + " on " + p.axis().id()
                        + " slice " + p.frame() + "; put all of a slice's points, box and mask in one entry");
            }
        }
        List<StructurePrompts> out = new ArrayList<>();
        byStructure.forEach((id, axes) -> axes.forEach((axis, frames) -> out.add(new StructurePrompts(id, axis,
                FrameRange.whole(new AxisFrames(ras, axis).frameCount()), new ArrayList<>(frames.values())))));
        out.sort(Comparator.comparingInt(StructurePrompts::structureId).thenComparing(StructurePrompts::axis));
        return out;
    }

    private FramePrompt prompt(JsonNode node, String at) {
        if (!node.isObject()) {
            throw error(at, "expected an object with structure, axis, slice and points, box or mask");
        }
        knownFields(node, at, PROMPT_FIELDS);
        int id = structure(required(node, "structure", at), at + ".structure");
        JsonNode axisNode = required(node, "axis", at);
        Axis axis;
        try {
            axis = Axis.parse(axisNode.isString() ? axisNode.asString() : axisNode.toString());
        } catch (IllegalArgumentException e) {
            throw error(at + ".axis", e.getMessage());
        }
        AxisFrames frames = new AxisFrames(ras, axis);
        int slice = integer(required(node, "slice", at), at + ".slice", 0, frames.frameCount() - 1,
                axis.id() + " slices of a " + ras.nx() + "x" + ras.ny() + "x" + ras.nz() + " RAS volume");
        int width = frames.frameWidth();
        int height = frames.frameHeight();
        List<PointPrompt> points = new ArrayList<>();
        JsonNode pointsNode = node.get("points");
        if (pointsNode != null) {
            if (!pointsNode.isArray()) {
                throw error(at + ".points", "expected an array of {\"x\", \"y\", \"label\"}");
            }
            if (pointsNode.size() > MAX_POINTS) {
                throw error(at + ".points", pointsNode.size() + " points; a slice takes at most " + MAX_POINTS);
            }
            for (int p = 0; p < pointsNode.size(); p++) {
                points.add(point(pointsNode.get(p), at + ".points[" + p + "]", axis, width, height));
            }
        }
        BoxPrompt box = node.get("box") == null ? null : box(node.get("box"), at + ".box", axis, width, height);
        FrameMask mask = node.get("mask") == null ? null : mask(node.get("mask"), at + ".mask", axis, width, height);
        if (points.isEmpty() && box == null && mask == null) {
            throw error(at, "no points, box or mask");
        }
        return new FramePrompt(id, axis, slice, points, box, mask);
    }

    private int structure(JsonNode node, String at) {
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            if (!table.contains(node.intValue())) {
                throw error(at, "unknown structure id " + node.intValue() + " in a table of "
                        + table.names().size() + " labels");
            }
            return node.intValue();
        }
        if (!node.isString()) {
            throw error(at, "expected a structure name or integer id, got " + node);
        }
        try {
            return table.resolve(List.of(node.asString()))[0];
        } catch (IllegalArgumentException e) {
            throw error(at, e.getMessage());
        }
    }

    private PointPrompt point(JsonNode node, String at, Axis axis, int width, int height) {
        if (!node.isObject()) {
            throw error(at, "expected {\"x\": .., \"y\": .., \"label\": 1 or 0}");
        }
        knownFields(node, at, POINT_FIELDS);
        double x = coordinate(required(node, "x", at), at + ".x", width, axis.id() + " frame width");
        double y = coordinate(required(node, "y", at), at + ".y", height, axis.id() + " frame height");
        JsonNode label = required(node, "label", at);
        if (!label.isIntegralNumber() || !label.canConvertToInt() || (label.intValue() != 0 && label.intValue() != 1)) {
            throw error(at + ".label", "expected 1 (positive) or 0 (negative), got " + label);
        }
        return new PointPrompt(x, y, label.intValue() == 1);
    }

    private BoxPrompt box(JsonNode node, String at, Axis axis, int width, int height) {
        if (!node.isArray() || node.size() != 4) {
            throw error(at, "expected [x0, y0, x1, y1]");
        }
        double x0 = coordinate(node.get(0), at + "[0]", width, axis.id() + " frame width");
        double y0 = coordinate(node.get(1), at + "[1]", height, axis.id() + " frame height");
        double x1 = coordinate(node.get(2), at + "[2]", width, axis.id() + " frame width");
        double y1 = coordinate(node.get(3), at + "[3]", height, axis.id() + " frame height");
        if (x1 < x0 || y1 < y0) {
            throw error(at, "corners must satisfy x0 <= x1 and y0 <= y1, got " + node);
        }
        return new BoxPrompt(x0, y0, x1, y1);
    }

    private FrameMask mask(JsonNode node, String at, Axis axis, int width, int height) {
        if (!node.isArray() || node.isEmpty()) {
            throw error(at, "expected a non-empty array of row runs [y, x0, x1]");
        }
        boolean[] pixels = new boolean[width * height];
        for (int r = 0; r < node.size(); r++) {
            JsonNode run = node.get(r);
            String field = at + "[" + r + "]";
            if (!run.isArray() || run.size() != 3) {
                throw error(field, "expected a row run [y, x0, x1]");
            }
            int y = integer(run.get(0), field + "[0]", 0, height - 1, axis.id() + " frame height " + height);
            int x0 = integer(run.get(1), field + "[1]", 0, width - 1, axis.id() + " frame width " + width);
            int x1 = integer(run.get(2), field + "[2]", x0, width - 1, "x0.." + axis.id() + " frame width");
            for (int x = x0; x <= x1; x++) {
                pixels[x + width * y] = true;
            }
        }
        return new FrameMask(width, height, pixels);
    }

    private double coordinate(JsonNode node, String at, int size, String what) {
        if (node == null || !node.isNumber()) {
            throw error(at, "expected a number, got " + node);
        }
        // Number's conversion saturates to infinity where the node's doubleValue() throws (a 400-digit integer)
        double v = node.numberValue().doubleValue();
        if (!Double.isFinite(v)) {
            throw error(at, "expected a finite number, got " + node);
        }
        if (v < 0 || v > size - 1) {
            throw error(at, v + " outside the frame: 0.." + (size - 1) + " (" + what + " " + size + ")");
        }
        return v;
    }

    private int integer(JsonNode node, String at, int min, int max, String what) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToInt()) {
            throw error(at, "expected an integer, got " + node);
        }
        int v = node.intValue();
        if (v < min || v > max) {
            throw error(at, v + " outside " + min + ".." + max + " (" + what + ")");
        }
        return v;
    }

    private JsonNode required(JsonNode node, String name, String at) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw error(at + "." + name, "missing");
        }
        return value;
    }

    private void knownFields(JsonNode node, String at, Set<String> known) {
        for (String name : node.propertyNames()) {
            if (!known.contains(name)) {
                throw error(at.isEmpty() ? name : at + "." + name, "unknown field, expected one of "
                        + new TreeSet<>(known));
            }
        }
    }

    private PromptFileException error(String field, String reason) {
        return new PromptFileException(source, field, reason);
    }
}
