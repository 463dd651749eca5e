package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.geometry.Axis;
import java.util.List;

/**
 * Every axis result of a request has arrived, or the axis timeout passed under {@code fuse-partial}
 * ({@code triplane.fusion-jobs}, fusion's collecting topology -> fusion's consumer step). The collecting and the
 * fusing are split so a long fusion never runs inside a Kafka Streams transaction.
 *
 * @param version      {@link #CURRENT_VERSION} when written
 * @param volumeId     SHA-256 of the image file
 * @param requestId    the request
 * @param results      the axis results that arrived, one per axis, in {@link Axis} order
 * @param partial      true when axes of the request are missing (fused after the timeout)
 * @param missingAxes  the stage's axes that did not arrive, in {@link Axis} order; empty unless partial
 * @param stage        the stage whose results completed: a stage that is not the {@link CascadeStage#last() last}
 *                     derives the next stage's prompts from its fusion instead of publishing a segmentation (the
 *                     results of the last stage of a cascade hold the earlier stage's results of the axes it did not
 *                     run again); absent before version 2, read as the only stage of the results' request
 * @param revision     1 for the request's own fusion; N >= 2 for the fusion after its (N - 1)th correction, sent by
 *                     the axis-worker that applied it (absent in older records: 1)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FusionJob(int version, String volumeId, String requestId, List<AxisResult> results, boolean partial,
        List<Axis> missingAxes, CascadeStage stage, int revision) {

    /** Version 2 added {@code stage}. */
    public static final int CURRENT_VERSION = 2;

    /** A job of a request that runs in one stage. */
    public FusionJob(int version, String volumeId, String requestId, List<AxisResult> results, boolean partial,
            List<Axis> missingAxes) {
        this(version, volumeId, requestId, results, partial, missingAxes, null, 1);
    }

    public FusionJob {
        String e = "FusionJob";
        EventChecks.version(e, version);
        EventChecks.text(e, "volumeId", volumeId);
        EventChecks.text(e, "requestId", requestId);
        results = EventChecks.list(e, "results", results);
        if (results.isEmpty()) {
            throw new IllegalArgumentException(e + ": results must not be empty");
        }
        for (AxisResult r : results) {
            if (!r.volumeId().equals(volumeId) || !r.requestId().equals(requestId)) {
                throw new IllegalArgumentException(e + ": result of " + r.volumeId() + "/" + r.requestId()
                        + " in the job of " + volumeId + "/" + requestId);
            }
        }
        missingAxes = EventChecks.list(e, "missingAxes", missingAxes);
        if (partial == missingAxes.isEmpty()) {
            throw new IllegalArgumentException(e + ": partial is " + partial + " with missing axes " + missingAxes);
        }
        stage = stage == null ? CascadeStage.single(results.get(0).requestAxes()) : stage;
        revision = revision == 0 ? 1 : revision;
        if (revision < 1) {
            throw new IllegalArgumentException(e + ": revision must be >= 1, got " + revision);
        }
    }
}
