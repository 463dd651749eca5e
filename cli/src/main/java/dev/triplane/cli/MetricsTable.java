package dev.triplane.cli;

import dev.triplane.core.metrics.AggregateMetrics;
import dev.triplane.core.metrics.MetricSummary;
import dev.triplane.core.metrics.StructureMetrics;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** The per-structure metrics table of {@code triplane metrics}, also printed by the demo for each volume. */
final class MetricsTable {

    private MetricsTable() {
    }

    static void print(PrintWriter out, List<StructureMetrics> rows, AggregateMetrics aggregate) {
        String header = "%5s  %-28s %9s %9s %7s %7s %8s %8s %8s %7s  %s";
        String row = "%5d  %-28s %9d %9d %7.4f %7.4f %8.2f %8.2f %8.2f %7.4f  %s";
        out.println(String.format(Locale.ROOT, header, "id", "structure", "pred vox", "ref vox", "Dice", "IoU",
                "HD mm", "HD95 mm", "ASSD mm", "NSD", "note"));
        for (StructureMetrics m : rows) {
            out.println(String.format(Locale.ROOT, row, m.id(), m.name(), m.predVoxels(), m.refVoxels(), m.dice(),
                    m.iou(), m.hd(), m.hd95(), m.assd(), m.nsd(), m.note() == null ? "" : m.note()));
        }
        out.println();
        out.println(String.format(Locale.ROOT, "%d structures, mean ± std (NaN skipped):", aggregate.structures()));
        summary(out, "Dice", aggregate.dice());
        summary(out, "IoU", aggregate.iou());
        summary(out, "HD mm", aggregate.hd());
        summary(out, "HD95 mm", aggregate.hd95());
        summary(out, "ASSD mm", aggregate.assd());
        summary(out, "NSD", aggregate.nsd());
    }

    private static void summary(PrintWriter out, String name, MetricSummary s) {
        out.println(String.format(Locale.ROOT, "  %-8s %9.4f ± %.4f  (n=%d, NaN=%d)", name, s.mean(), s.std(),
                s.count(), s.nanCount()));
    }
}
