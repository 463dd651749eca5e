package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.geometry.Axis;
import java.util.List;

/**
 * The logits of one axis job are stored ({@code triplane.axis-results}, axis-worker -> fusion).
 *
 * @param version    {@link #CURRENT_VERSION} when written
 * @param volumeId   SHA-256 of the image file
 * @param requestId  the request of the job
 * @param axis       the job's axis
 * @param requestAxes every axis of the request, in {@link Axis} order (fusion waits for all of them)
 * @param logitsKey  object key of the compact logit volume ({@code logits/{volumeId}/{requestId}/{axis}.bin})
 * @param imageKey   object key of the canonical image (fusion writes on its grid)
 * @param labelsKey  object key of the reference labels, or null
 * @param structures structure ids present in the logit volume, ascending
 * @param frames     frames along the axis (slices of the RAS+ volume)
 * @param timings    where the job's time went
 * @param worker     identity of the worker that ran the job (host and process)
 * @param datasetTag tag under which metrics are aggregated
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AxisResult(int version, String volumeId, String requestId, Axis axis, List<Axis> requestAxes, String logitsKey,
        String imageKey, String labelsKey, List<Integer> structures, int frames, Timings timings, String worker,
        String datasetTag) {

    public static final int CURRENT_VERSION = 1;

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
        if (frames < 1) {
            throw new IllegalArgumentException(e + ": frames must be >= 1, got " + frames);
        }
        EventChecks.present(e, "timings", timings);
        EventChecks.text(e, "worker", worker);
        EventChecks.text(e, "datasetTag", datasetTag);
    }
}
