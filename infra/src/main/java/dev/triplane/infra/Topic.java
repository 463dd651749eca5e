package dev.triplane.infra;

import java.util.Locale;

/**
 * The logical topics of the pipeline (docs/method.md §4). Names, partitions and retention are not here but in
 * {@code triplane/layout.json}, read by {@link Topics}; {@link #id()} is the entry's key in that file.
 */
public enum Topic {
    INBOX_EVENTS,
    VOLUMES,
    AXIS_JOBS,
    AXIS_RESULTS,
    FUSION_JOBS,
    SEGMENTATIONS,
    METRICS,
    STATUS,
    ERRORS;

    /** Key in {@code layout.json}, e.g. {@code "axis-jobs"}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
