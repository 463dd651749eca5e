package dev.triplane.fusion;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.storage.ObjectStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Collects the axis results of each request in the {@value FusionTopology#STORE} store (key
 * {@code volumeId/requestId}, value a {@link PendingRequest} as JSON) and fuses a request once every axis of its
 * {@code requestAxes} is there: the segmentation and uncertainty NIfTI go to the store under the request's result
 * keys, then {@link SegmentationReady} and a SEGMENTED {@link VolumeStatus} are forwarded and the entry becomes a
 * finished marker. A wall-clock punctuator ends requests waiting longer than {@code axis-timeout} (fuse what
 * arrived, flagged partial, or fail with {@code AXIS_TIMEOUT}) and drops markers older than twice that.
 *
 * <p>Bad input (a logits object or the image missing or invalid) ends the request with an {@link ErrorEvent} and
 * a FAILED status here, so the stream thread keeps running. Any other exception (the store unreachable) leaves the
 * processor: the stream thread is replaced, the transaction aborted and the record processed again; the object
 * writes are idempotent (same keys, same bytes), so a retry only overwrites them.
 */
final class FusionProcessor implements Processor<String, AxisResult, String, Outbound> {

    /** Job outcomes of the {@code FUSION} stage. */
    static final String FUSED = "FUSED";
    static final String PARTIAL = "PARTIAL";
    static final String TIMED_OUT = "TIMED_OUT";
    static final String BAD_INPUT = "BAD_INPUT";
    /** Error reason of a request whose axes did not arrive in time under the {@code fail} policy. */
    static final String AXIS_TIMEOUT = "AXIS_TIMEOUT";
    /** Error reason of an axis result that cannot be fused (ids that make no object key, bad structure ids). */
    static final String BAD_RECORD = "BAD_RECORD";

    private static final Logger LOG = LoggerFactory.getLogger(FusionProcessor.class);

    private final RequestFusion fusion;
    private final ObjectStore store;
    private final ObjectKeys keys;
    private final FusionProperties properties;
    private final JobMeters jobs;
    private final JsonMapper json;
    private ProcessorContext<String, Outbound> context;
    private KeyValueStore<String, String> requests;

    FusionProcessor(RequestFusion fusion, ObjectStore store, ObjectKeys keys, FusionProperties properties,
            JobMeters jobs, JsonMapper json) {
        this.fusion = fusion;
        this.store = store;
        this.keys = keys;
        this.properties = properties;
        this.jobs = jobs;
        this.json = json;
    }

    /** How often waiting requests are checked: a quarter of the timeout, at most 30 s. */
    static Duration punctuateInterval(Duration axisTimeout) {
        long quarterMs = axisTimeout.toMillis() / 4;
        return Duration.ofMillis(Math.max(1, Math.min(quarterMs, 30_000)));
    }

    @Override
    public void init(ProcessorContext<String, Outbound> context) {
        this.context = context;
        this.requests = context.getStateStore(FusionTopology.STORE);
        context.schedule(punctuateInterval(properties.axisTimeout()), PunctuationType.WALL_CLOCK_TIME,
                this::expire);
    }

    @Override
    public void process(Record<String, AxisResult> record) {
        AxisResult result = record.value();
        if (result == null) {
            return;
        }
        if (!ObjectKeys.isVolumeId(result.volumeId()) || !ObjectKeys.isRequestId(result.requestId())) {
            // no object key can be made for it: refused here rather than failing every later step
            PendingRequest alone = PendingRequest.first(result, context.currentSystemTimeMs());
            fail(alone, result.logitsKey(), BAD_RECORD, "volumeId or requestId is not well-formed: "
                    + result.volumeId() + ", " + result.requestId());
            return;
        }
        String key = result.volumeId() + "/" + result.requestId();
        PendingRequest entry = read(key);
        if (entry != null && entry.finished()) {
            LOG.info("{}: {} result arrived after the request finished, ignored", key, result.axis().id());
            return;
        }
        long now = context.currentSystemTimeMs();
        entry = entry == null ? PendingRequest.first(result, now) : entry.with(result);
        if (entry.missing().isEmpty()) {
            finish(key, entry, false);
        } else {
            requests.put(key, json.writeValueAsString(entry));
        }
    }

    /** Ends requests waiting past the timeout and drops finished markers older than twice the timeout. */
    private void expire(long now) {
        long timeout = properties.axisTimeout().toMillis();
        List<KeyValue<String, PendingRequest>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> all = requests.all()) {
            while (all.hasNext()) {
                KeyValue<String, String> e = all.next();
                PendingRequest entry = json.readValue(e.value, PendingRequest.class);
                boolean expired = entry.finished() ? now - entry.finishedMs() > 2 * timeout
                        : now - entry.firstArrivedMs() > timeout;
                if (expired) {
                    due.add(KeyValue.pair(e.key, entry));
                }
            }
        }
        for (KeyValue<String, PendingRequest> e : due) {
            if (e.value.finished()) {
                requests.delete(e.key);
            } else {
                finish(e.key, e.value, true);
            }
        }
    }

    /** Fuses (or, timed out under the {@code fail} policy, fails) a request and leaves its finished marker. */
    private void finish(String key, PendingRequest entry, boolean timedOut) {
        AxisResult first = entry.results().get(0);
        List<Axis> missing = entry.missing();
        try (JobMeters.Job job = jobs.start(Stage.FUSION)) {
            if (timedOut && properties.onTimeout() == FusionProperties.OnTimeout.FAIL) {
                String detail = "axes " + ids(missing) + " did not arrive within " + properties.axisTimeout()
                        + " (arrived: " + ids(entry.arrived()) + ")";
                fail(entry, keys.request(first.volumeId(), first.requestId()), AXIS_TIMEOUT, detail);
                job.outcome(TIMED_OUT);
            } else {
                job.outcome(fuse(entry, missing) ? (missing.isEmpty() ? FUSED : PARTIAL) : BAD_INPUT);
            }
        }
        requests.put(key, json.writeValueAsString(entry.finish(context.currentSystemTimeMs())));
    }

    /** Fuses what arrived; false when the input was bad (the request failed with an error event). */
    private boolean fuse(PendingRequest entry, List<Axis> missing) {
        AxisResult first = entry.results().get(0);
        RequestFusion.Fused fused;
        try {
            fused = fusion.fuse(entry.results(), store::get);
        } catch (BadInputException e) {
            fail(entry, e.object(), e.reason(), e.getMessage());
            return false;
        } catch (IllegalArgumentException e) {
            fail(entry, first.logitsKey(), BAD_RECORD, e.getMessage());
            return false;
        }
        SegmentationReady event = fused.event();
        try (fused) {
            store.put(event.segmentationKey(), fused.segmentation(), "application/gzip");
            store.put(event.uncertaintyKey(), fused.uncertainty(), "application/gzip");
        }
        String detail = missing.isEmpty()
                ? "fused " + ids(event.axes()) + " with " + event.fusionRule() + ": " + event.segmentationKey()
                : "partial: axes " + ids(missing) + " did not arrive within " + properties.axisTimeout() + "; fused "
                        + ids(event.axes()) + " with " + event.fusionRule() + ": " + event.segmentationKey();
        forward(first.volumeId(), Topic.SEGMENTATIONS, event);
        forward(first.volumeId(), Topic.STATUS, status(entry, VolumeStatus.State.SEGMENTED, detail));
        LOG.info("{}/{}: {}", first.volumeId(), first.requestId(), detail);
        return true;
    }

    private void fail(PendingRequest entry, String object, String reason, String detail) {
        AxisResult first = entry.results().get(0);
        LOG.warn("{}/{} failed: {}: {}", first.volumeId(), first.requestId(), reason, detail);
        forward(first.volumeId(), Topic.ERRORS, new ErrorEvent(ErrorEvent.CURRENT_VERSION, object, Stage.FUSION,
                reason, false, detail, first.volumeId(), first.requestId()));
        forward(first.volumeId(), Topic.STATUS, status(entry, VolumeStatus.State.FAILED, reason + ": " + detail));
    }

    private static VolumeStatus status(PendingRequest entry, VolumeStatus.State state, String detail) {
        AxisResult first = entry.results().get(0);
        List<VolumeStatus.AxisProgress> axes = entry.results().stream()
                .sorted(Comparator.comparing(AxisResult::axis))
                .map(r -> new VolumeStatus.AxisProgress(r.axis(), r.frames(), r.frames())).toList();
        return new VolumeStatus(VolumeStatus.CURRENT_VERSION, first.volumeId(), first.requestId(), state,
                Stage.FUSION, axes, detail);
    }

    /** Events are records; {@code java.lang.Record} because Kafka's {@code Record} is imported. */
    private void forward(String volumeId, Topic topic, java.lang.Record event) {
        context.forward(new Record<>(volumeId, new Outbound(topic, json.writeValueAsString(event)),
                context.currentSystemTimeMs()));
    }

    private PendingRequest read(String key) {
        String value = requests.get(key);
        return value == null ? null : json.readValue(value, PendingRequest.class);
    }

    private static String ids(Collection<Axis> axes) {
        return axes.stream().map(Axis::id).collect(Collectors.joining(", "));
    }
}
