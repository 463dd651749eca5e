package dev.triplane.core.prompts;

import dev.triplane.core.geometry.RasVoxelMap;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads 3D Slicer markups ({@code .mrk.json}, Slicer's markups schema 1.0) as prompts: each fiducial control point
 * is a click whose label names the structure (a name or id of the label table), positive unless the label ends
 * with {@code -} ({@code liver-} is a background click for the liver); a label Slicer generated for a point list
 * ({@code <list name>-<n>}, e.g. {@code liver-3} in a list named {@code liver}) names the list's structure; an ROI is a 3D box and a closed curve a mask
 * on the slice it is drawn on, both for the structure their markup's name names. Positions are in the markup's
 * {@code coordinateSystem} (LPS, the schema's default, or RAS) and {@code coordinateUnits} (mm, or um). Control
 * points whose position is undefined are skipped; other markup types (lines, angles, open curves, planes) are
 * refused rather than ignored. Fields of the schema that do not bear on a prompt (display, measurements) are
 * not read.
 */
final class SlicerMarkups {

    private SlicerMarkups() {
    }

    static List<StructurePrompts> read(JsonNode root, PromptJson json, RasVoxelMap map) {
        JsonNode markups = root.get("markups");
        if (!markups.isArray() || markups.isEmpty()) {
            throw json.error("markups", "expected a non-empty array of markups");
        }
        PromptSlices slices = new PromptSlices(json, map.ras(), true);
        for (int m = 0; m < markups.size(); m++) {
            String at = "markups[" + m + "]";
            JsonNode markup = markups.get(m);
            if (!markup.isObject()) {
                throw json.error(at, "expected a markup object");
            }
            JsonNode typeNode = json.required(markup, "type", at);
            String type = typeNode.isString() ? typeNode.asString() : typeNode.toString();
            Frame frame = frame(markup, json, at, map);
            switch (type) {
                case "Fiducial" -> {
                    for (Point p : points(markup, json, at, frame)) {
                        String label = p.label().strip();
                        boolean negative = label.endsWith("-");
                        String name = negative ? label.substring(0, label.length() - 1) : label;
                        JsonNode listName = markup.get("name");
                        if (listName != null && listName.isString() && !listName.asString().isBlank()
                                && name.matches(Pattern.quote(listName.asString()) + "-[0-9]+")) {
                            name = listName.asString(); // Slicer's own label for a list's n-th point: "liver-3"
                        }
                        if (name.isBlank()) {
                            throw json.error(p.at() + ".label", "name the structure in the point's label"
                                    + " (liver, or liver- for a background click), got '" + p.label() + "'");
                        }
                        slices.point(json.structure(name, p.at() + ".label"), p.position(), !negative, p.at());
                    }
                }
                case "ROI" -> slices.box(structure(markup, json, at), roiCorners(markup, json, at, frame), at);
                case "ClosedCurve" -> {
                    List<double[]> vertices = new ArrayList<>();
                    for (Point p : points(markup, json, at, frame)) {
                        vertices.add(p.position());
                    }
                    slices.outline(structure(markup, json, at), vertices, at);
                }
                default -> throw json.error(at + ".type", "markup type " + typeNode + " cannot prompt; use"
                        + " Fiducial (clicks), ROI (a box) or ClosedCurve (a mask on one slice)");
            }
        }
        return slices.build();
    }

    /** How a markup's positions map to RAS+ voxels: its coordinate system and unit. */
    private record Frame(RasVoxelMap map, boolean lps, double mm) {
        double[] toRasVoxel(double[] p) {
            double x = p[0] * mm;
            double y = p[1] * mm;
            double z = p[2] * mm;
            return lps ? map.fromLpsWorld(x, y, z) : map.fromRasWorld(x, y, z);
        }
    }

    private record Point(String label, double[] position, String at) {
    }

    private static Frame frame(JsonNode markup, PromptJson json, String at, RasVoxelMap map) {
        JsonNode system = markup.get("coordinateSystem");
        String name = system == null ? "LPS" : system.isString() ? system.asString() : system.toString();
        if (!name.equals("LPS") && !name.equals("RAS")) {
            throw json.error(at + ".coordinateSystem", "expected LPS or RAS, got " + system);
        }
        JsonNode units = markup.get("coordinateUnits");
        // the schema allows a unit name or a DICOM code triple [code, scheme, meaning]
        JsonNode unit = units != null && units.isArray() && !units.isEmpty() ? units.get(0) : units;
        String unitName = unit == null ? "mm" : unit.isString() ? unit.asString() : unit.toString();
        double mm = switch (unitName) {
            case "mm" -> 1;
            case "um" -> 0.001;
            default -> throw json.error(at + ".coordinateUnits", "expected mm or um, got " + units);
        };
        return new Frame(map, name.equals("LPS"), mm);
    }

    /** The structure a whole markup (ROI, closed curve) prompts: the markup's name. */
    private static int structure(JsonNode markup, PromptJson json, String at) {
        JsonNode name = markup.get("name");
        if (name == null || !name.isString() || name.asString().isBlank()) {
            throw json.error(at + ".name", "name the markup after the structure it outlines (liver, or its id)");
        }
        return json.structure(name.asString(), at + ".name");
    }

    private static List<Point> points(JsonNode markup, PromptJson json, String at, Frame frame) {
        JsonNode points = markup.get("controlPoints");
        List<Point> out = new ArrayList<>();
        if (points != null && !points.isArray()) {
            throw json.error(at + ".controlPoints", "expected an array");
        }
        for (int p = 0; points != null && p < points.size(); p++) {
            String field = at + ".controlPoints[" + p + "]";
            JsonNode point = points.get(p);
            if (!point.isObject()) {
                throw json.error(field, "expected a control point object");
            }
            JsonNode status = point.get("positionStatus");
            if (status != null && "undefined".equals(status.asString(""))) {
                continue;
            }
            JsonNode label = point.get("label");
            out.add(new Point(label == null ? "" : label.asString(""),
                    frame.toRasVoxel(json.triple(json.required(point, "position", field), field + ".position")),
                    field));
        }
        if (out.isEmpty()) {
            throw json.error(at + ".controlPoints", "no control point with a position");
        }
        return out;
    }

    /**
     * The 8 corners of an ROI: {@code center} plus or minus half its {@code size} along the columns of its
     * {@code orientation} (identity when absent), the object axes in the markup's coordinate system.
     */
    private static List<double[]> roiCorners(JsonNode markup, PromptJson json, String at, Frame frame) {
        double[] center = json.triple(json.required(markup, "center", at), at + ".center");
        double[] size = json.triple(json.required(markup, "size", at), at + ".size");
        double[] axes = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        JsonNode orientation = markup.get("orientation");
        if (orientation != null) {
            if (!orientation.isArray() || orientation.size() != 9) {
                throw json.error(at + ".orientation", "expected a 3x3 matrix of 9 numbers");
            }
            for (int e = 0; e < 9; e++) {
                axes[e] = json.number(orientation.get(e), at + ".orientation[" + e + "]");
            }
        }
        for (int d = 0; d < 3; d++) {
            if (size[d] < 0) {
                throw json.error(at + ".size[" + d + "]", "a size is not negative, got " + size[d]);
            }
        }
        List<double[]> corners = new ArrayList<>(8);
        for (int corner = 0; corner < 8; corner++) {
            double[] p = center.clone();
            for (int d = 0; d < 3; d++) {
                double half = ((corner >> d) & 1) == 0 ? -size[d] / 2 : size[d] / 2;
                for (int r = 0; r < 3; r++) {
                    p[r] += axes[3 * r + d] * half; // column d is object axis d
                }
            }
            corners.add(frame.toRasVoxel(p));
        }
        return corners;
    }
}
