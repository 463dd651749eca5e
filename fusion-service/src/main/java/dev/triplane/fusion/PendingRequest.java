package dev.triplane.fusion;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.CascadeStage;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.geometry.Axis;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A request's entry in the collecting topology's store {@value FusionTopology#STORE}: the axis results that
 * arrived and when the first did, or, once the request's fusion job is emitted (or it failed), a small marker with
 * no results, so a duplicate or late result does not start it again. A cascade's entry collects its first stage,
 * emits that stage's job, then collects the second stage beside the first stage's results; a job holds the latest
 * result of each axis (the first stage's of an axis the second does not run again).
 *
 * @param firstArrivedMs wall-clock time the first result of the stage arrived
 * @param results        the results that arrived, one per axis; empty once finished
 * @param finishedMs     wall-clock time the request's job was emitted (or it failed), 0 while it waits
 * @param traceparent    the W3C trace context of the first result's record (null when it had none): a job or
 *                       failure emitted by the timeout punctuator, which has no input record, continues the
 *                       request's trace with it
 * @param stage          the stage being collected (absent in entries of a version without stages: the first
 *                       result's); null in a finished marker
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record PendingRequest(long firstArrivedMs, List<AxisResult> results, long finishedMs, String traceparent,
        CascadeStage stage) {

    PendingRequest {
        results = results == null ? List.of() : List.copyOf(results);
        stage = stage == null && !results.isEmpty() ? results.get(0).stage() : stage;
    }

    static PendingRequest first(AxisResult result, long nowMs, String traceparent) {
        return new PendingRequest(nowMs, List.of(result), 0, traceparent, result.stage());
    }

    boolean finished() {
        return finishedMs > 0;
    }

    /**
     * With {@code result} (of this entry's stage) added; a second result for an axis already there in this stage is
     * ignored (a redelivered job).
     */
    PendingRequest with(AxisResult result) {
        if (arrived().contains(result.axis())) {
            return this;
        }
        List<AxisResult> all = new ArrayList<>(results);
        all.add(result);
        return new PendingRequest(firstArrivedMs, all, 0, traceparent, stage);
    }

    /** Collecting the next stage, from {@code nowMs}; this stage's results stay for the next one's fusion. */
    PendingRequest nextStage(long nowMs) {
        return new PendingRequest(nowMs, results, 0, traceparent, stage.next());
    }

    /** The finished marker. */
    PendingRequest finish(long nowMs) {
        return new PendingRequest(firstArrivedMs, List.of(), nowMs, traceparent, null);
    }

    /** The axes whose result of this entry's stage arrived. */
    Set<Axis> arrived() {
        Set<Axis> axes = EnumSet.noneOf(Axis.class);
        results.stream().filter(r -> r.stage().number() == stage.number()).forEach(r -> axes.add(r.axis()));
        return axes;
    }

    /** The latest result of each axis that arrived in any stage, in {@link Axis} order. */
    List<AxisResult> latest() {
        Map<Axis, AxisResult> byAxis = new EnumMap<>(Axis.class);
        for (AxisResult r : results) {
            byAxis.merge(r.axis(), r, (a, b) -> b.stage().number() > a.stage().number() ? b : a);
        }
        return List.copyOf(byAxis.values());
    }

    /** The fusion job of what arrived; partial when axes of the stage are missing. */
    FusionJob job() {
        AxisResult first = results.get(0);
        List<AxisResult> byAxis = latest();
        List<Axis> missing = missing();
        return new FusionJob(FusionJob.CURRENT_VERSION, first.volumeId(), first.requestId(), byAxis,
                !missing.isEmpty(), missing, stage, 1);
    }

    /** Axes of the stage that have not arrived, in {@link Axis} order. */
    List<Axis> missing() {
        Set<Axis> missing = EnumSet.noneOf(Axis.class);
        missing.addAll(stage.axes());
        missing.removeAll(arrived());
        return List.copyOf(missing);
    }
}
