package dev.triplane.core.metrics;

import java.util.List;

/**
 * Per-metric summaries over the structures of one comparison; NaN values (missing structures) are counted, not
 * averaged.
 *
 * @param structures number of structures summarized
 */
public record AggregateMetrics(int structures, MetricSummary dice, MetricSummary iou, MetricSummary hd,
        MetricSummary hd95, MetricSummary assd, MetricSummary nsd) {

    /** Summarizes a per-structure list. */
    public static AggregateMetrics of(List<StructureMetrics> list) {
        return new AggregateMetrics(list.size(),
                MetricSummary.of(list, StructureMetrics::dice),
                MetricSummary.of(list, StructureMetrics::iou),
                MetricSummary.of(list, StructureMetrics::hd),
                MetricSummary.of(list, StructureMetrics::hd95),
                MetricSummary.of(list, StructureMetrics::assd),
                MetricSummary.of(list, StructureMetrics::nsd));
    }
}
