package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.geometry.Axis;
import java.util.List;

/**
 * One axis job ended ({@code triplane.axis-results}, axis-worker -> fusion): its logits are stored, or, with
 * {@link Outcome#FAILED}, the worker gave up on it and ended the request FAILED (its error event and status are
 * published with this result), so fusion ends the request at once instead of fusing the other axes.
 *
 * @param version    {@link #CURRENT_VERSION} when written
 * @param volumeId   SHA-256 of the image file
 * @param requestId  the request of the job
 * @param axis       the job's axis
 * @param requestAxes every axis of the request, in {@link Axis} order (fusion waits for all of them)
 * @param logitsKey  object key of the compact logit volume ({@code logits/{volumeId}/{requestId}/{axis}.bin}); not
 *                   stored when the job failed
 * @param imageKey   object key of the canonical image (fusion writes on its grid)
 * @param labelsKey  object key of the reference labels, or null
 * @param structures structure ids present in the logit volume, ascending
 * @param frames     frames along the axis (slices of the RAS+ volume); 0 when a failed job never read the volume
 * @param timings    where the job's time went
 * @param worker     identity of the worker that ran the job (host and process)
 * @param datasetTag tag under which metrics are aggregated
 * @param outcome    {@link Outcome#SEGMENTED}, or {@link Outcome#FAILED}; absent in version 1, which had only
 *                   segmented results
 * @param model      the SAM2 model (export folder name) the job ran, named in the DICOM SEG fusion writes; null in
 *                   results of producers older than the field
 * @param stage      the job's stage ({@link AxisJob#stage()}); absent before version 3, read as the only stage over
 *                   {@code requestAxes}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AxisResult(int version, String volumeId, String requestId, Axis axis, List<Axis> requestAxes, String logitsKey,
        String imageKey, String labelsKey, List<Integer> structures, int frames, Timings timings, String worker,
        String datasetTag, Outcome outcome, String model, CascadeStage stage) {

    /**
     * Version 2 added {@code outcome}, a version 1 result reads as {@link Outcome#SEGMENTED}; version 3 added
     * {@code stage}.
     */
    public static final int CURRENT_VERSION = 3;

    /** How the axis job ended. */
    public enum Outcome {
        /** The logits are stored under {@code logitsKey}. */
        SEGMENTED,
        /** The worker gave up on the job: the request is FAILED. */
        FAILED
    }

    /** A segmented result. */
    public AxisResult(int version, String volumeId, String requestId, Axis axis, List<Axis> requestAxes,
            String logitsKey, String imageKey, String labelsKey, List<Integer> structures, int frames,
            Timings timings, String worker, String datasetTag) {
        this(version, volumeId, requestId, axis, requestAxes, logitsKey, imageKey, labelsKey, structures, frames,
                timings, worker, datasetTag, Outcome.SEGMENTED, null, null);
    }

    /** A result of a request that runs in one stage, naming no model. */
    public AxisResult(int version, String volumeId, String requestId, Axis axis, List<Axis> requestAxes,
            String logitsKey, String imageKey, String labelsKey, List<Integer> structures, int frames,
            Timings timings, String worker, String datasetTag, Outcome outcome) {
        this(version, volumeId, requestId, axis, requestAxes, logitsKey, imageKey, labelsKey, structures, frames,
                timings, worker, datasetTag, outcome, null, null);
    }

    /**
     * Wall-clock times of one job in milliseconds.
     *
     * @param loadMs    reading and decoding the volume (and labels), reorientation, prompt derivation
     * @param computeMs the SAM2 engine: image encoder, memory attention, heads and memory encoder on every frame
     * @param storeMs   encoding and uploading the logit volume
     * @param totalMs   from taking the job to publishing this result
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Timings(long loadMs, long computeMs, long storeMs, long totalMs) {

        public Timings {
            if (loadMs < 0 || computeMs < 0 || storeMs < 0 || totalMs < 0) {
                throw new IllegalArgumentException("AxisResult.Timings: negative time " + loadMs + ", " + computeMs
                        + ", " + storeMs + ", " + totalMs);
            }
        }
    }

    public AxisResult {
        String e = "AxisResult";
        EventChecks.version(e, version);
        EventChecks.text(e, "volumeId", volumeId);
        EventChecks.text(e, "requestId", requestId);
        EventChecks.present(e, "axis", axis);
        requestAxes = EventChecks.list(e, "requestAxes", requestAxes);
        if (!requestAxes.contains(axis) || requestAxes.stream().distinct().count() != requestAxes.size()) {
            throw new IllegalArgumentException(e + ": requestAxes " + requestAxes + " must be distinct and hold " + axis);
        }
        EventChecks.text(e, "logitsKey", logitsKey);
        EventChecks.text(e, "imageKey", imageKey);
        structures = EventChecks.list(e, "structures", structures);
        outcome = outcome == null ? Outcome.SEGMENTED : outcome;
        if (frames < (outcome == Outcome.FAILED ? 0 : 1)) {
            throw new IllegalArgumentException(e + ": frames must be >= 1 (>= 0 when failed), got " + frames);
        }
        EventChecks.present(e, "timings", timings);
        EventChecks.text(e, "worker", worker);
        EventChecks.text(e, "datasetTag", datasetTag);
        stage = EventChecks.inRequest(e, stage, axis, requestAxes);
    }

    public boolean failed() {
        return outcome == Outcome.FAILED;
    }
}
