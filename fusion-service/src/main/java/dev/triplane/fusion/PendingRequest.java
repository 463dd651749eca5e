package dev.triplane.fusion;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.geometry.Axis;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A request's entry in the collecting topology's store {@value FusionTopology#STORE}: the axis results that
 * arrived and when the first did, or, once the request's fusion job is emitted (or it failed), a small marker with
 * no results, so a duplicate or late result does not start it again.
 *
 * @param firstArrivedMs wall-clock time the first result arrived
 * @param results        the results that arrived, one per axis; empty once finished
 * @param finishedMs     wall-clock time the request's job was emitted (or it failed), 0 while it waits
 * @param traceparent    the W3C trace context of the first result's record (null when it had none): a job or
 *                       failure emitted by the timeout punctuator, which has no input record, continues the
 *                       request's trace with it
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record PendingRequest(long firstArrivedMs, List<AxisResult> results, long finishedMs, String traceparent) {

    PendingRequest {
        results = results == null ? List.of() : List.copyOf(results);
    }

    static PendingRequest first(AxisResult result, long nowMs, String traceparent) {
        return new PendingRequest(nowMs, List.of(result), 0, traceparent);
    }

    boolean finished() {
        return finishedMs > 0;
    }

    /** With {@code result} added; a second result for an axis already there is ignored (a redelivered job). */
    PendingRequest with(AxisResult result) {
        if (arrived().contains(result.axis())) {
            return this;
        }
        List<AxisResult> all = new ArrayList<>(results);
        all.add(result);
        return new PendingRequest(firstArrivedMs, all, 0, traceparent);
    }

    /** The finished marker. */
    PendingRequest finish(long nowMs) {
        return new PendingRequest(firstArrivedMs, List.of(), nowMs, traceparent);
    }

    Set<Axis> arrived() {
        Set<Axis> axes = EnumSet.noneOf(Axis.class);
        results.forEach(r -> axes.add(r.axis()));
        return axes;
    }

    /** The fusion job of what arrived; partial when axes are missing. */
    FusionJob job() {
        AxisResult first = results.get(0);
        List<AxisResult> byAxis = results.stream().sorted(Comparator.comparing(AxisResult::axis)).toList();
        List<Axis> missing = missing();
        return new FusionJob(FusionJob.CURRENT_VERSION, first.volumeId(), first.requestId(), byAxis,
                !missing.isEmpty(), missing);
    }

    /** Axes of the request that have not arrived, in {@link Axis} order. */
    List<Axis> missing() {
        Set<Axis> missing = EnumSet.noneOf(Axis.class);
        missing.addAll(results.get(0).requestAxes());
        missing.removeAll(arrived());
        return List.copyOf(missing);
    }
}
