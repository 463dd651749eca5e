package dev.triplane.core.evaluation;

import dev.triplane.core.metrics.AggregateMetrics;
import dev.triplane.core.metrics.MetricSummary;
import dev.triplane.core.metrics.StructureMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Summary CSV files of a run: per structure (over cases) and per case (over structures), each metric as
 * {@link MetricSummary} mean and population std ignoring NaN. Rows follow first appearance in the results.
 */
public final class ResultExports {

    public static final String PER_STRUCTURE = "per-structure.csv";
    public static final String PER_CASE = "per-case.csv";

    private ResultExports() {
    }

    /** One row per preset x axes x structure: cases and mean/std of Dice, IoU, HD, HD95 over cases. */
    public static void perStructure(List<ResultRow> results, Path file) throws IOException {
        Map<List<String>, List<StructureMetrics>> groups = new LinkedHashMap<>();
        for (ResultRow r : results) {
            StructureMetrics m = r.metrics();
            groups.computeIfAbsent(List.of(r.key().preset(), r.key().axes(), Integer.toString(m.id()),
                    m.name() == null ? "" : m.name()), k -> new ArrayList<>()).add(m);
        }
        StringBuilder sb = new StringBuilder(Csv.line("preset", "axes", "structure_id", "structure", "cases",
                "dice_mean", "dice_std", "iou_mean", "iou_std", "hd_mean", "hd_std", "hd95_mean", "hd95_std"))
                .append('\n');
        for (Map.Entry<List<String>, List<StructureMetrics>> e : groups.entrySet()) {
            List<String> row = new ArrayList<>(e.getKey());
            row.add(Integer.toString(e.getValue().size()));
            row.addAll(summaries(AggregateMetrics.of(e.getValue())));
            sb.append(Csv.line(row.toArray(String[]::new))).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    /** One row per case x preset x axes: means/stds over its structures and the run's times in s. */
    public static void perCase(List<ResultRow> results, List<RunTiming> timings, Path file) throws IOException {
        Map<RunKey, List<StructureMetrics>> groups = new LinkedHashMap<>();
        for (ResultRow r : results) {
            groups.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.metrics());
        }
        Map<RunKey, RunTiming> time = new LinkedHashMap<>();
        for (RunTiming t : timings) {
            time.put(t.key(), t);
        }
        StringBuilder sb = new StringBuilder(Csv.line("case", "preset", "axes", "structures", "dice_mean",
                "dice_std", "iou_mean", "iou_std", "hd_mean", "hd_std", "hd95_mean", "hd95_std", "total_s",
                "memory_attention_s", "image_encoder_s")).append('\n');
        for (Map.Entry<RunKey, List<StructureMetrics>> e : groups.entrySet()) {
            RunKey k = e.getKey();
            RunTiming t = time.get(k);
            List<String> row = new ArrayList<>(List.of(k.caseId(), k.preset(), k.axes(),
                    Integer.toString(e.getValue().size())));
            row.addAll(summaries(AggregateMetrics.of(e.getValue())));
            row.add(Csv.number(t == null ? Double.NaN : t.totalSeconds()));
            row.add(Csv.number(t == null ? Double.NaN : t.memoryAttentionSeconds()));
            row.add(Csv.number(t == null ? Double.NaN : t.imageEncoderSeconds()));
            sb.append(Csv.line(row.toArray(String[]::new))).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static List<String> summaries(AggregateMetrics a) {
        List<String> out = new ArrayList<>();
        for (MetricSummary s : List.of(a.dice(), a.iou(), a.hd(), a.hd95())) {
            out.add(Csv.number(s.mean()));
            out.add(Csv.number(s.std()));
        }
        return out;
    }
}
