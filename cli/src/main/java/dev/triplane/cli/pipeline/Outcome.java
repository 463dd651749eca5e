package dev.triplane.cli.pipeline;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.VolumeStatus;
import java.util.List;

/**
 * What the pipeline produced for one request, as far as it got.
 *
 * @param status       the request's merged status (latest state, per-axis progress), or null if none was seen
 * @param axisResults  the axis jobs' results (their timings split load, compute and store)
 * @param segmentation the fused segmentation, or null
 * @param metrics      the metrics, or null (none follow for a volume without reference labels)
 * @param errors       error events naming the request
 * @param finished     false when the wait timed out first
 */
public record Outcome(VolumeStatus status, List<AxisResult> axisResults, SegmentationReady segmentation,
                      MetricsReady metrics, List<ErrorEvent> errors, boolean finished) {

    /** Whether the request ended well: metrics stored, or a segmentation that has no labels to score against. */
    public boolean succeeded() {
        return metrics != null || (segmentation != null && segmentation.labelsKey() == null
                && status != null && status.state() == VolumeStatus.State.COMPLETED);
    }
}
