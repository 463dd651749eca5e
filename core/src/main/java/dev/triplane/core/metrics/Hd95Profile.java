package dev.triplane.core.metrics;

import dev.triplane.core.NamedOption;

/**
 * How HD95 combines the two directed surface-distance sets, because the reference tools disagree. Both use numpy's
 * default (linear) percentile interpolation.
 */
public enum Hd95Profile implements NamedOption {
    /** Max of the two directed 95th percentiles, as MONAI {@code compute_hausdorff_distance(percentile=95)}. */
    MONAI("monai"),
    /** 95th percentile of both directions' distances pooled, as medpy {@code hd95}. */
    POOLED("pooled");

    private final String id;

    Hd95Profile(String id) {
        this.id = id;
    }

    /** The name used on the command line and in JSON. */
    public String id() {
        return id;
    }

    /** Parses {@code monai} or {@code pooled}, ignoring case. */
    public static Hd95Profile parse(String name) {
        return NamedOption.parse(Hd95Profile.class, name, "HD95 profile");
    }
}
