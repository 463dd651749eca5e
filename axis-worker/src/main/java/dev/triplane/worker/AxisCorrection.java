package dev.triplane.worker;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.Correction;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.prompts.FramePrompt;
import dev.triplane.core.prompts.PromptFile;
import dev.triplane.core.prompts.PromptFileException;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.sam2.StructureCorrection;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.service.EventPublisher;
import dev.triplane.infra.storage.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one {@link Correction} (an {@link AxisJob} carrying one): reads the axis' logits of the revision before,
 * segments the corrected structure again with {@link StructureCorrection}, stores the axis' logits of the new
 * revision under their own key ({@link ObjectKeys#logits(String, String, Axis, int)}) and hands fusion a
 * {@link FusionJob} of that revision: this axis' new logits with the other axes' latest ones, unchanged. The
 * collecting topology is not involved (the request's own axes were collected long ago).
 *
 * <p>Idempotent: a redelivered correction whose logits are stored re-sends the fusion job without computing
 * (fusion announces a revision once). A correction whose revision before is not fused yet (two corrections sent
 * in quick succession) is retried like an outage until it is.
 */
final class AxisCorrection {

    private static final Logger LOG = LoggerFactory.getLogger(AxisCorrection.class);

    private final AxisJobHandler handler;
    private final ObjectStore store;
    private final ObjectKeys keys;
    private final EventPublisher events;

    AxisCorrection(AxisJobHandler handler, ObjectStore store, ObjectKeys keys, EventPublisher events) {
        this.handler = handler;
        this.store = store;
        this.keys = keys;
        this.events = events;
    }

    /** Applies the job's correction and sends the revision's fusion job; returns this axis' new result. */
    AxisResult run(AxisJob job, String worker) {
        long start = System.nanoTime();
        Correction c = job.correction();
        int revision = c.revision();
        if (revision > 2 && !store.exists(keys.fusionDone(job.volumeId(), job.requestId(), revision - 1))) {
            throw new IllegalStateException(job.requestId() + ": revision " + (revision - 1) + " is not fused yet; "
                    + "revision " + revision + " builds on it");
        }
        ImageVolume ct = handler.image(job.imageKey());
        String logitsKey = keys.logits(job.volumeId(), job.requestId(), job.axis(), revision);
        int frames = ct.grid().shape()[job.axis().arrayAxis()];
        long computeMs = 0;
        if (!store.exists(logitsKey)) {
            StructurePrompts original = handler.prompts(job, ct.grid()).get(0);
            FramePrompt correction = correctionPrompt(c, job, ct);
            String previousKey = latest(job, job.axis(), revision - 1);
            long computing;
            try (InputStream in = store.get(previousKey);
                 LogitVolume previous = LogitVolumeCodec.read(in, previousKey, ct.grid(), Long.MAX_VALUE)) {
                computing = System.nanoTime();
                try (LogitVolume corrected = new StructureCorrection(handler.model(job.model()),
                        MemoryPolicy.parse(job.memoryPolicy())).correct(ct, original, correction, previous, null);
                     LogitVolume replaced = StructureCorrection.replace(previous, corrected)) {
                    computeMs = (System.nanoTime() - computing) / 1_000_000;
                    store.put(logitsKey, LogitVolumeCodec.toBytes(replaced, handler.encoding()),
                            "application/octet-stream");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(previousKey + ": " + e.getMessage(), e);
            }
        }
        long total = (System.nanoTime() - start) / 1_000_000;
        List<AxisResult> results = new ArrayList<>();
        AxisResult mine = null;
        for (Axis axis : job.requestAxes()) {
            String key = axis == job.axis() ? logitsKey : latest(job, axis, revision - 1);
            AxisResult r = new AxisResult(AxisResult.CURRENT_VERSION, job.volumeId(), job.requestId(), axis,
                    job.requestAxes(), key, job.imageKey(), job.labelsKey(), handler.storedStructures(key, ct.grid()),
                    ct.grid().shape()[axis.arrayAxis()], axis == job.axis()
                            ? new AxisResult.Timings(total - computeMs, computeMs, 0, total)
                            : new AxisResult.Timings(0, 0, 0, 0), worker, job.datasetTag(),
                    AxisResult.Outcome.SEGMENTED, job.model(), null);
            results.add(r);
            if (axis == job.axis()) {
                mine = r;
            }
        }
        FusionJob fusion = new FusionJob(FusionJob.CURRENT_VERSION, job.volumeId(), job.requestId(), results, false,
                List.of(), null, revision);
        events.await(logitsKey, List.of(events.publish(Topic.FUSION_JOBS, job.volumeId(), fusion),
                events.publish(Topic.STATUS, job.volumeId(), new VolumeStatus(VolumeStatus.CURRENT_VERSION,
                        job.volumeId(), job.requestId(), VolumeStatus.State.SEGMENTING, Stage.AXIS_WORKER,
                        List.of(new VolumeStatus.AxisProgress(job.axis(), frames, frames)), "revision " + revision
                                + ": structure " + c.structure() + " corrected on " + job.axis().id() + " slice "
                                + c.frame() + ": " + logitsKey))));
        LOG.info("{}: revision {} of structure {} on {} (compute {} ms, total {} ms)", logitsKey, revision,
                c.structure(), job.axis().id(), computeMs, total);
        return mine;
    }

    /**
     * The axis' logits of the newest revision up to {@code revision} that changed it; in revision 1, those of the
     * last stage that ran the axis (a cascade's second stage runs some axes again under their own keys).
     */
    private String latest(AxisJob job, Axis axis, int revision) {
        for (int r = revision; r > 1; r--) {
            String key = keys.logits(job.volumeId(), job.requestId(), axis, r);
            if (store.exists(key)) {
                return key;
            }
        }
        String secondStage = keys.stageLogits(job.volumeId(), job.requestId(), axis, 2);
        return store.exists(secondStage) ? secondStage : keys.logits(job.volumeId(), job.requestId(), axis);
    }

    private FramePrompt correctionPrompt(Correction c, AxisJob job, ImageVolume ct) {
        String source = keys.correction(job.volumeId(), job.requestId(), c.correctionId());
        try {
            // version 1, in RAS+ frames: read against the RAS+ grid itself
            List<StructurePrompts> read = PromptFile.read(new ByteArrayInputStream(
                    c.promptFile().getBytes(StandardCharsets.UTF_8)), source, ct.grid(), handler.labelTable());
            return read.get(0).prompts().get(0);
        } catch (PromptFileException e) {
            throw new BadInputException(source, Reason.BAD_CORRECTION, e.getMessage(), e);
        }
    }
}
