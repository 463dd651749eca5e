package dev.triplane.core.evaluation;

import dev.triplane.core.metrics.AggregateMetrics;
import dev.triplane.core.metrics.MetricSummary;
import dev.triplane.core.metrics.StructureMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's table: per preset (and axes), mean and population std (numpy {@code nanmean}/{@code nanstd}) of
 * Dice, IoU, HD and HD95 pooled over structures x cases, with the run, memory-attention and image-encoder times
 * summed over cases. HD and HD95 leave
 * out NaN values (an empty prediction or reference) and count them in {@code nanCount}.
 *
 * @param rows one per preset and axes, in order of first appearance in the results
 */
public record AblationTable(List<Row> rows) {

    /**
     * One preset.
     *
     * @param preset preset spec
     * @param axes axes spec
     * @param cases finished runs (cases) of this preset
     * @param metrics summaries over structures x cases
     * @param totalSeconds wall time summed over the cases, s
     * @param memoryAttentionSeconds memory-attention time summed over the cases that report it, s; NaN if none
     * @param imageEncoderSeconds image-encoder time summed over the cases that report it, s; NaN if none
     */
    public record Row(String preset, String axes, int cases, AggregateMetrics metrics, double totalSeconds,
            double memoryAttentionSeconds, double imageEncoderSeconds) {
    }

    public AblationTable {
        rows = List.copyOf(rows);
    }

    /** Builds the table from a run's results and timings (e.g. {@link ResultStore#rows()}, {@link ResultStore#timings()}). */
    public static AblationTable of(List<ResultRow> results, List<RunTiming> timings) {
        Map<List<String>, List<StructureMetrics>> metrics = new LinkedHashMap<>();
        for (ResultRow r : results) {
            metrics.computeIfAbsent(List.of(r.key().preset(), r.key().axes()), k -> new ArrayList<>()).add(r.metrics());
        }
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<List<String>, List<StructureMetrics>> e : metrics.entrySet()) {
            String preset = e.getKey().get(0);
            String axes = e.getKey().get(1);
            int cases = 0;
            double total = 0;
            double memory = 0;
            int memoryRuns = 0;
            double encoder = 0;
            int encoderRuns = 0;
            for (RunTiming t : timings) {
                if (t.key().preset().equals(preset) && t.key().axes().equals(axes)) {
                    cases++;
                    total += t.totalSeconds();
                    if (!Double.isNaN(t.memoryAttentionSeconds())) {
                        memory += t.memoryAttentionSeconds();
                        memoryRuns++;
                    }
                    if (!Double.isNaN(t.imageEncoderSeconds())) {
                        encoder += t.imageEncoderSeconds();
                        encoderRuns++;
                    }
                }
            }
            rows.add(new Row(preset, axes, cases, AggregateMetrics.of(e.getValue()), total,
                    memoryRuns == 0 ? Double.NaN : memory, encoderRuns == 0 ? Double.NaN : encoder));
        }
        return new AblationTable(rows);
    }

    /** A fixed-width text table for the terminal. */
    public String text() {
        String format = "%-12s %-8s %5s %5s %-15s %-15s %-15s %-15s %9s %9s %9s%n";
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, format, "preset", "axes", "cases",
                "n", "Dice", "IoU", "HD mm", "HD95 mm", "time s", "mem-att s", "img-enc s"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, format, r.preset, r.axes, r.cases, r.metrics.structures(),
                    cell(r.metrics.dice(), 3), cell(r.metrics.iou(), 3), cell(r.metrics.hd(), 2),
                    cell(r.metrics.hd95(), 2), seconds(r.totalSeconds), seconds(r.memoryAttentionSeconds),
                    seconds(r.imageEncoderSeconds)));
        }
        return sb.toString();
    }

    /** A GitHub-flavoured markdown table. */
    public String markdown() {
        StringBuilder sb = new StringBuilder("| preset | axes | cases | n | Dice | IoU | HD mm | HD95 mm | time s "
                + "| mem-att s | img-enc s |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(String.join(" | ", r.preset, r.axes, Integer.toString(r.cases),
                    Integer.toString(r.metrics.structures()), cell(r.metrics.dice(), 3), cell(r.metrics.iou(), 3),
                    cell(r.metrics.hd(), 2), cell(r.metrics.hd95(), 2), seconds(r.totalSeconds),
                    seconds(r.memoryAttentionSeconds), seconds(r.imageEncoderSeconds))).append(" |\n");
        }
        return sb.toString();
    }

    /** An HTML {@code <table>} with the same cells as {@link #markdown()}, text escaped. */
    public String html() {
        StringBuilder sb = new StringBuilder("<table>\n<tr><th>preset</th><th>axes</th><th>cases</th><th>n</th>"
                + "<th>Dice</th><th>IoU</th><th>HD mm</th><th>HD95 mm</th><th>time s</th><th>mem-att s</th>"
                + "<th>img-enc s</th></tr>\n");
        for (Row r : rows) {
            sb.append("<tr>");
            for (String cell : List.of(r.preset, r.axes, Integer.toString(r.cases),
                    Integer.toString(r.metrics.structures()), cell(r.metrics.dice(), 3), cell(r.metrics.iou(), 3),
                    cell(r.metrics.hd(), 2), cell(r.metrics.hd95(), 2), seconds(r.totalSeconds),
                    seconds(r.memoryAttentionSeconds), seconds(r.imageEncoderSeconds))) {
                sb.append("<td>").append(BoxPlotSvg.escape(cell)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    /** {@code mean ± std}, with {@code (k NaN)} when values were left out; {@code -} when none is left. */
    static String cell(MetricSummary s, int decimals) {
        if (s.count() == 0) {
            return "-";
        }
        String f = "%." + decimals + "f ± %." + decimals + "f";
        String v = String.format(Locale.ROOT, f, s.mean(), s.std());
        return s.nanCount() == 0 ? v : v + " (" + s.nanCount() + " NaN)";
    }

    private static String seconds(double s) {
        return Double.isNaN(s) ? "-" : String.format(Locale.ROOT, "%.2f", s);
    }
}
