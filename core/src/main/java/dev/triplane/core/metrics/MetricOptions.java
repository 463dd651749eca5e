package dev.triplane.core.metrics;

/**
 * Settings of {@link SegmentationMetrics}.
 *
 * @param profile how HD95 combines the two directions
 * @param nsdToleranceMm NSD tolerance tau in mm: a surface voxel counts as matched when its distance to the other
 *     surface is at most tau
 */
public record MetricOptions(Hd95Profile profile, double nsdToleranceMm) {
    public MetricOptions {
        if (profile == null) {
            throw new IllegalArgumentException("HD95 profile is required");
        }
        if (!(nsdToleranceMm >= 0) || Double.isInfinite(nsdToleranceMm)) {
            throw new IllegalArgumentException("NSD tolerance must be finite and >= 0 mm: " + nsdToleranceMm);
        }
    }

    /** The {@code monai} profile and an NSD tolerance of 1 mm. */
    public static MetricOptions defaults() {
        return new MetricOptions(Hd95Profile.MONAI, 1.0);
    }
}
