package dev.triplane.core.evaluation;

import java.util.Arrays;

/**
 * The five numbers and outliers of a box plot. Quartiles are numpy's default {@code percentile} (method
 * {@code linear}: position {@code (n - 1) p} in the sorted values, interpolated); whiskers reach the most extreme
 * values within 1.5 IQR of the box (matplotlib's rule); values beyond are outliers. NaN values are left out.
 *
 * @param count values used (NaN excluded)
 * @param q1 25th percentile
 * @param median 50th percentile
 * @param q3 75th percentile
 * @param lowWhisker smallest value at or above {@code q1 - 1.5 IQR}
 * @param highWhisker largest value at or below {@code q3 + 1.5 IQR}
 * @param outliers values outside the whiskers, ascending
 */
public record BoxStats(int count, double q1, double median, double q3, double lowWhisker, double highWhisker,
        double[] outliers) {

    public BoxStats {
        outliers = outliers.clone();
    }

    /**
     * @throws IllegalArgumentException when no value is finite-or-infinite (all NaN or none)
     */
    public static BoxStats of(double[] values) {
        double[] sorted = new double[values.length];
        int n = 0;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                sorted[n++] = v;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("a box plot needs at least one value that is not NaN");
        }
        sorted = Arrays.copyOf(sorted, n);
        Arrays.sort(sorted);
        double q1 = percentile(sorted, 0.25);
        double q3 = percentile(sorted, 0.75);
        double low = q1 - 1.5 * (q3 - q1);
        double high = q3 + 1.5 * (q3 - q1);
        double lowWhisker = Double.NaN;
        double highWhisker = Double.NaN;
        int outliers = 0;
        for (double v : sorted) {
            if (v < low || v > high) {
                outliers++;
            } else {
                lowWhisker = Double.isNaN(lowWhisker) ? v : lowWhisker;
                highWhisker = v;
            }
        }
        double[] out = new double[outliers];
        int o = 0;
        for (double v : sorted) {
            if (v < low || v > high) {
                out[o++] = v;
            }
        }
        return new BoxStats(n, q1, percentile(sorted, 0.5), q3, lowWhisker, highWhisker, out);
    }

    /** numpy's linear percentile of ascending values, {@code p} in [0, 1]. */
    static double percentile(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    @Override
    public double[] outliers() {
        return outliers.clone();
    }
}
