package dev.triplane.fusion;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.service.DeadLetterErrorHandlers;
import dev.triplane.infra.service.FaultPoints;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.Outbound;
import dev.triplane.infra.service.RequestEnd;
import dev.triplane.infra.storage.ObjectStore;
import java.io.InputStream;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fusion of one {@link FusionJob}, without Kafka: fuses with {@link RequestFusion}, stores the segmentation, the
 * uncertainty map and, for a volume read from DICOM, the segmentation as a DICOM SEG under the request's keys and
 * returns the events to publish (SegmentationReady and a SEGMENTED status, or an error event and a FAILED status for bad input or a fusion out of memory). The caller
 * publishes them with the job's offset in one transaction, then calls {@link #published}.
 *
 * <p>A request is announced once per revision (a correction's fusion job carries revision N >= 2, stored and
 * announced under the revision's keys): after its SegmentationReady is committed, a done marker is stored under
 * {@link ObjectKeys#fusionDone}, and a later job of the same request (the topology emits one again when a
 * result arrives after its finished marker expired) publishes nothing. The marker is written after the commit, not
 * before: a marker whose transaction then failed would swallow the request (no SegmentationReady, no FAILED),
 * while a crash between the commit and the marker only matters if a second job of the request follows. A failed
 * request gets no marker, so it may be fused again once its cause is fixed.
 *
 * <p>The job of a cascade's first stage goes to {@link CascadeStep}: its events are the second stage's jobs and a
 * SEGMENTING status, no SegmentationReady, and it leaves no marker (its offset, committed with them, is the record
 * that it ran).
 */
final class FusionStep {

    /** Job outcomes of the {@code FUSION} stage. */
    static final String FUSED = "FUSED";
    static final String PARTIAL = "PARTIAL";
    static final String BAD_INPUT = "BAD_INPUT";
    static final String ALREADY_DONE = "ALREADY_DONE";
    /** Job outcome of a cascade's first stage: the second stage's jobs published. */
    static final String STAGED = "STAGED";
    /** Job outcome of a fusion that ran out of memory. */
    static final String RESOURCE_LIMIT = Reason.RESOURCE_LIMIT.name();

    private static final Logger LOG = LoggerFactory.getLogger(FusionStep.class);

    /** {@link RequestFusion#fuse}; an interface so a unit test can make it fail. */
    @FunctionalInterface
    interface Fuser {
        RequestFusion.Fused fuse(List<AxisResult> results, Function<String, InputStream> objects);
    }

    /**
     * What a fusion job ends with.
     *
     * @param events the events to publish with the job's offset; empty when the request was already announced
     * @param ready  the SegmentationReady among them, null when the request failed or was already announced
     */
    record Outcome(List<Outbound> events, SegmentationReady ready) {
    }

    private final Fuser fusion;
    private final CascadeStep cascade;
    private final ObjectStore store;
    private final ObjectKeys keys;
    private final FusionProperties properties;
    private final JobMeters jobs;
    private final JsonMapper json;

    FusionStep(Fuser fusion, CascadeStep cascade, ObjectStore store, ObjectKeys keys, FusionProperties properties,
            JobMeters jobs, JsonMapper json) {
        this.fusion = fusion;
        this.cascade = cascade;
        this.store = store;
        this.keys = keys;
        this.properties = properties;
        this.jobs = jobs;
        this.json = json;
    }

    /**
     * Fuses the job's results and stores the outputs, or, for a cascade's first stage, publishes the second;
     * timed as a {@code FUSION} job with outcome {@value #FUSED}, {@value #PARTIAL}, {@value #STAGED},
     * {@value #BAD_INPUT}, {@value #RESOURCE_LIMIT} or {@value #ALREADY_DONE}.
     *
     * @throws RuntimeException when the store fails in a way a retry may cure (the caller's error handler retries)
     */
    Outcome run(FusionJob job) {
        try (JobMeters.Job meter = jobs.start(Stage.FUSION)) {
            if (store.exists(keys.fusionDone(job.volumeId(), job.requestId(), job.revision()))) {
                LOG.info("{}/{}: already fused and announced, nothing published", job.volumeId(), job.requestId());
                meter.outcome(ALREADY_DONE);
                return new Outcome(List.of(), null);
            }
            try {
                if (!job.stage().last()) {
                    Outcome outcome = new Outcome(cascade.secondStage(job), null);
                    meter.outcome(STAGED);
                    return outcome;
                }
                Outcome outcome = fuse(job);
                meter.outcome(job.partial() ? PARTIAL : FUSED);
                return outcome;
            } catch (BadInputException e) {
                meter.outcome(BAD_INPUT);
                return failed(job, e.object(), e.reason(), e.getMessage());
            } catch (IllegalArgumentException e) {
                meter.outcome(BAD_INPUT);
                return failed(job, job.results().get(0).logitsKey(), Reason.BAD_RECORD, e.getMessage());
            } catch (OutOfMemoryError e) {
                // the fusion's buffers are unreachable once it unwound; the listener container would stop on an
                // Error (it hands only exceptions to its error handler), so it ends here as a request failure
                meter.outcome(RESOURCE_LIMIT);
                return failed(job, keys.request(job.volumeId(), job.requestId()), Reason.RESOURCE_LIMIT,
                        "out of memory fusing " + FusionEvents.ids(job.results().stream().map(AxisResult::axis)
                                .toList()) + " (" + e.getMessage() + "); give fusion a larger heap");
            }
        }
    }

    /**
     * The end of a fusion job the error handler gave up on (an outage past {@code triplane.outage-budget}, another
     * failure {@code triplane.fusion.max-attempts} times; {@link DeadLetterErrorHandlers.RequestFailure}): an error
     * event naming {@code object}, or the request when null, and a FAILED status.
     *
     * @throws RuntimeException when {@code value} is not a fusion job
     */
    RequestEnd failRecord(String value, Reason reason, String object, String detail) {
        FusionJob job = json.readValue(value, FusionJob.class);
        return new RequestEnd(job.volumeId(), FusionEvents.failed(job.results(),
                object != null ? object : keys.request(job.volumeId(), job.requestId()), reason, detail));
    }

    /** Leaves the done marker of a request whose SegmentationReady was committed. */
    void published(Outcome outcome) {
        SegmentationReady ready = outcome.ready();
        if (ready != null) {
            store.put(keys.fusionDone(ready.volumeId(), ready.requestId(), ready.revision()),
                    json.writeValueAsBytes(ready), "application/json");
        }
    }

    private Outcome fuse(FusionJob job) {
        SegmentationReady event;
        try (RequestFusion.Fused fused = fusion.fuse(job.results(), store::get)) {
            event = fused.event();
            if (job.revision() > 1) {
                // a correction's revision: its own keys, so the revisions before it stay readable
                event = event.asRevision(job.revision(), keys.segmentation(job.volumeId(), job.requestId(),
                        job.revision()), keys.uncertainty(job.volumeId(), job.requestId(), job.revision()),
                        keys.dicomSegmentation(job.volumeId(), job.requestId(), job.revision()));
            }
            store.put(event.segmentationKey(), fused.segmentation(), "application/gzip");
            FaultPoints.reach("fusion.mid-fusion");
            store.put(event.uncertaintyKey(), fused.uncertainty(), "application/gzip");
            if (event.dicomSegmentationKey() != null) {
                store.put(event.dicomSegmentationKey(), fused.dicomSegmentation(), "application/dicom");
            }
        }
        String fusedWith = "fused " + FusionEvents.ids(event.axes()) + " with " + event.fusionRule() + ": "
                + event.segmentationKey();
        String detail = job.partial() ? "partial: axes " + FusionEvents.ids(job.missingAxes())
                + " did not arrive within " + properties.axisTimeout() + "; " + fusedWith : fusedWith;
        LOG.info("{}/{}: {}", job.volumeId(), job.requestId(), detail);
        return new Outcome(List.of(new Outbound(Topic.SEGMENTATIONS, event), new Outbound(Topic.STATUS,
                FusionEvents.status(job.results(), VolumeStatus.State.SEGMENTED, detail))), event);
    }

    private static Outcome failed(FusionJob job, String object, Reason reason, String detail) {
        return new Outcome(FusionEvents.failed(job.results(), object, reason, detail), null);
    }
}
