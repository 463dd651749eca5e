package dev.triplane.core.metrics;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Mean and population standard deviation (numpy {@code nanmean}/{@code nanstd}, ddof 0) of one metric over
 * structures, ignoring NaN values.
 *
 * @param mean mean of the non-NaN values, NaN when there are none
 * @param std population standard deviation of the non-NaN values, NaN when there are none
 * @param count structures with a value
 * @param nanCount structures whose value is NaN (a missing structure)
 */
public record MetricSummary(double mean, double std, int count, int nanCount) {

    /** Summarizes {@code metric} over {@code structures}. */
    public static MetricSummary of(List<StructureMetrics> structures, ToDoubleFunction<StructureMetrics> metric) {
        double sum = 0;
        int count = 0;
        for (StructureMetrics s : structures) {
            double v = metric.applyAsDouble(s);
            if (!Double.isNaN(v)) {
                sum += v;
                count++;
            }
        }
        int nanCount = structures.size() - count;
        if (count == 0) {
            return new MetricSummary(Double.NaN, Double.NaN, 0, nanCount);
        }
        double mean = sum / count;
        double squares = 0;
        for (StructureMetrics s : structures) {
            double v = metric.applyAsDouble(s);
            if (!Double.isNaN(v)) {
                squares += (v - mean) * (v - mean);
            }
        }
        return new MetricSummary(mean, Math.sqrt(squares / count), count, nanCount);
    }
}
