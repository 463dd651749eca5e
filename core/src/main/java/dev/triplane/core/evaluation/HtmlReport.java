package dev.triplane.core.evaluation;

import dev.triplane.core.metrics.StructureMetrics;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The self-contained report page of a run ({@code report.html}: no script, stylesheet or font from elsewhere):
 * the table, box plots of Dice and HD95 per preset for each structure group (inline SVG, {@link BoxPlotSvg}) and
 * the overlay PNGs of {@link SliceOverlays}, referenced by paths relative to the page.
 */
public final class HtmlReport {

    public static final String FILE = "report.html";

    private HtmlReport() {
    }

    /**
     * Writes {@code folder/report.html}.
     *
     * @param title page title, e.g. the dataset
     * @param groups structure group name to label ids, e.g. {@code bones}; one pair of plots per group
     * @param overlays PNG files inside {@code folder}
     * @return the page written
     * @throws IllegalArgumentException for an overlay that does not exist or lies outside {@code folder}
     */
    public static Path write(Path folder, String title, AblationTable table, List<ResultRow> results,
            Map<String, int[]> groups, List<Path> overlays) throws IOException {
        Path root = folder.toAbsolutePath().normalize();
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>").append(BoxPlotSvg.escape(title)).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:24px}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}")
                .append("figure{display:inline-block;margin:6px}img{image-rendering:pixelated}\n")
                .append("</style>\n</head>\n<body>\n<h1>").append(BoxPlotSvg.escape(title)).append("</h1>\n")
                .append("<h2>Summary</h2>\n").append(table.html());
        List<String> presets = new ArrayList<>();
        for (AblationTable.Row r : table.rows()) {
            presets.add(label(r.preset(), r.axes()));
        }
        html.append("<h2>Per preset</h2>\n");
        for (Map.Entry<String, int[]> g : groups.entrySet()) {
            html.append("<h3>").append(BoxPlotSvg.escape(g.getKey())).append("</h3>\n<div>\n");
            html.append(plot(g.getKey() + ": Dice", "Dice", presets, results, g.getValue(), StructureMetrics::dice));
            html.append(plot(g.getKey() + ": HD95", "HD95 mm", presets, results, g.getValue(), StructureMetrics::hd95));
            html.append("</div>\n");
        }
        html.append("<h2>Overlays</h2>\n<p>reference <span style=\"color:#")
                .append(String.format("%06x", SliceOverlays.REFERENCE_RGB)).append("\">&#9632;</span>, prediction ")
                .append("<span style=\"color:#").append(String.format("%06x", SliceOverlays.PREDICTION_RGB))
                .append("\">&#9632;</span></p>\n");
        for (Path overlay : overlays) {
            String src = relative(root, overlay);
            html.append("<figure><img src=\"").append(src).append("\" alt=\"")
                    .append(BoxPlotSvg.escape(overlay.getFileName().toString())).append("\"><figcaption>")
                    .append(BoxPlotSvg.escape(overlay.getFileName().toString())).append("</figcaption></figure>\n");
        }
        html.append("</body>\n</html>\n");
        Path page = folder.resolve(FILE);
        Files.writeString(page, html.toString(), StandardCharsets.UTF_8);
        return page;
    }

    /** One box per preset over the structures of the group x cases; presets without a value are left out. */
    private static String plot(String title, String unit, List<String> presets, List<ResultRow> results, int[] ids,
            ToDoubleFunction<StructureMetrics> metric) {
        Map<String, List<Double>> values = new LinkedHashMap<>();
        for (String p : presets) {
            values.put(p, new ArrayList<>());
        }
        for (ResultRow r : results) {
            if (contains(ids, r.metrics().id())) {
                values.get(label(r.key().preset(), r.key().axes())).add(metric.applyAsDouble(r.metrics()));
            }
        }
        List<String> labels = new ArrayList<>();
        List<BoxStats> boxes = new ArrayList<>();
        for (Map.Entry<String, List<Double>> e : values.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).toArray();
            if (v.length > 0) {
                labels.add(e.getKey());
                boxes.add(BoxStats.of(v));
            }
        }
        if (boxes.isEmpty()) {
            return "<p>" + BoxPlotSvg.escape(title) + ": no values</p>\n";
        }
        return BoxPlotSvg.render(title, unit, labels, boxes);
    }

    private static String label(String preset, String axes) {
        return preset + " " + axes;
    }

    private static boolean contains(int[] ids, int id) {
        for (int v : ids) {
            if (v == id) {
                return true;
            }
        }
        return false;
    }

    /** The overlay's path relative to the page, each segment URL-encoded. */
    private static String relative(Path root, Path file) {
        Path abs = file.toAbsolutePath().normalize();
        if (!abs.startsWith(root) || !Files.isRegularFile(abs)) {
            throw new IllegalArgumentException("overlay " + file + " is not a file inside the report folder " + root);
        }
        List<String> parts = new ArrayList<>();
        for (Path segment : root.relativize(abs)) {
            parts.add(URLEncoder.encode(segment.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return String.join("/", parts);
    }
}
