package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.propagation.MemoryPolicy;
import java.util.List;

/**
 * Segment one volume along one axis for every requested structure ({@code triplane.axis-jobs}, ingest ->
 * axis-workers). A request is three jobs, one per axis, with the same {@code requestId}.
 *
 * @param version      {@link #CURRENT_VERSION} when written
 * @param volumeId     SHA-256 of the image file, 64 lower-case hex digits
 * @param requestId    the request this job belongs to ({@code [A-Za-z0-9][A-Za-z0-9._-]{0,63}})
 * @param axis         the axis whose slices are the frames of the pseudo-video
 * @param requestAxes every axis of the request, in {@link Axis} order (fusion waits for all of them)
 * @param imageKey     object key of the canonical image
 * @param labelsKey    object key of the reference labels, or null; required when prompts come from labels
 * @param structures   structure ids to segment, ascending, at least one
 * @param prompts      where the prompts come from
 * @param memoryPolicy propagation strategy in {@link MemoryPolicy#parse} syntax, stored in canonical form
 *                     (e.g. {@code "is+sps"} or {@code "sps,tau=0.25"})
 * @param model        name of the SAM2 model (export folder) the worker runs
 * @param datasetTag   tag under which metrics are aggregated, passed along to the results
 * @param stage        the request's stage this job runs in (its axes hold {@code axis}, {@code requestAxes} hold
 *                     them); absent before version 2, read as the only stage over {@code requestAxes}
 * @param correction   null for a request's own job; otherwise the correction this job applies (one structure, the
 *                     request's other axes unchanged), and the worker hands the new revision to fusion itself
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AxisJob(int version, String volumeId, String requestId, Axis axis, List<Axis> requestAxes, String imageKey, String labelsKey,
        List<Integer> structures, PromptPolicy prompts, String memoryPolicy, String model, String datasetTag,
        CascadeStage stage, Correction correction) {

    /** Version 2 added {@code stage}. */
    public static final int CURRENT_VERSION = 2;

    /** A request's own job, of a request that runs in one stage. */
    public AxisJob(int version, String volumeId, String requestId, Axis axis, List<Axis> requestAxes, String imageKey,
            String labelsKey, List<Integer> structures, PromptPolicy prompts, String memoryPolicy, String model,
            String datasetTag) {
        this(version, volumeId, requestId, axis, requestAxes, imageKey, labelsKey, structures, prompts, memoryPolicy,
                model, datasetTag, null, null);
    }

    /** A request's own job in a stage of the request. */
    public AxisJob(int version, String volumeId, String requestId, Axis axis, List<Axis> requestAxes, String imageKey,
            String labelsKey, List<Integer> structures, PromptPolicy prompts, String memoryPolicy, String model,
            String datasetTag, CascadeStage stage) {
        this(version, volumeId, requestId, axis, requestAxes, imageKey, labelsKey, structures, prompts, memoryPolicy,
                model, datasetTag, stage, null);
    }

    public AxisJob {
        String e = "AxisJob";
        EventChecks.version(e, version);
        EventChecks.text(e, "volumeId", volumeId);
        EventChecks.text(e, "requestId", requestId);
        EventChecks.present(e, "axis", axis);
        requestAxes = EventChecks.list(e, "requestAxes", requestAxes);
        if (!requestAxes.contains(axis) || requestAxes.stream().distinct().count() != requestAxes.size()) {
            throw new IllegalArgumentException(e + ": requestAxes " + requestAxes + " must be distinct and hold " + axis);
        }
        EventChecks.text(e, "imageKey", imageKey);
        structures = EventChecks.list(e, "structures", structures);
        if (structures.isEmpty()) {
            throw new IllegalArgumentException(e + ": no structure to segment");
        }
        EventChecks.present(e, "prompts", prompts);
        if (prompts.source() == PromptPolicy.Source.LABELS && labelsKey == null) {
            throw new IllegalArgumentException(e + ": prompts derived from labels but the volume has no labels");
        }
        memoryPolicy = MemoryPolicy.parse(EventChecks.text(e, "memoryPolicy", memoryPolicy)).name();
        EventChecks.text(e, "model", model);
        EventChecks.text(e, "datasetTag", datasetTag);
        stage = EventChecks.inRequest(e, stage, axis, requestAxes);
        if (correction != null && (correction.axis() != axis || !structures.equals(List.of(correction.structure())))) {
            throw new IllegalArgumentException(e + ": a correction job runs its structure on its axis alone");
        }
    }

    /** This job applying {@code c} to its structure alone. */
    public AxisJob correcting(Correction c) {
        return new AxisJob(version, volumeId, requestId, axis, requestAxes, imageKey, labelsKey,
                List.of(c.structure()), prompts, memoryPolicy, model, datasetTag, stage, c);
    }
}
