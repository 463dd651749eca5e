package dev.triplane.fusion;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.Outbound;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the axis results of each request in the {@value FusionTopology#STORE} store (key
 * {@code volumeId/requestId}) and, once every axis of its stage is there (its {@code requestAxes} unless it
 * cascades), emits one {@link FusionJob}; the entry becomes a finished marker, or, after a cascade's first stage,
 * collects the second ({@link PendingRequest}). A wall-clock punctuator ends requests waiting longer than
 * {@code axis-timeout}: a partial job under {@code fuse-partial}, an {@code AXIS_TIMEOUT} error and a FAILED
 * status under {@code fail}; it drops markers older than twice that.
 *
 * <p>A failed axis fails its request: a result with the {@link AxisResult.Outcome#FAILED failed} outcome (the worker
 * gave up on the job and already published the request's error event and FAILED status) finishes the entry at once
 * with no job and no event, so the other axes are never fused and their late results are ignored.
 * {@code fuse-partial} applies only to axes that never answered in time.
 *
 * <p>An emitted record carries its CloudEvents headers and the W3C {@value #TRACEPARENT} of the request's trace:
 * the input record's when one is being processed, otherwise (the punctuator) the one stored with the request, so
 * the fusion step continues the trace of the request's axis jobs.
 *
 * <p>Nothing here reads an object or takes long: the fusion runs in the consumer step ({@link FusionJobListener}),
 * so the Streams transaction of a record stays short and Streams' default transaction and poll timeouts hold.
 */
final class RequestCollector implements Processor<String, AxisResult, String, Outbound> {

    /** Job outcome of a request failed by the {@code fail} timeout policy. */
    static final String TIMED_OUT = "TIMED_OUT";
    /** Job outcome of a request failed by the failed result of one of its axes. */
    static final String AXIS_FAILED = "AXIS_FAILED";

    /** The W3C trace-context header the services' Kafka observations write and read. */
    static final String TRACEPARENT = "traceparent";

    private static final Logger LOG = LoggerFactory.getLogger(RequestCollector.class);

    private final ObjectKeys keys;
    private final FusionProperties properties;
    private final JobMeters jobs;
    private final CloudEventHeaders cloudEvents;
    private ProcessorContext<String, Outbound> context;
    private KeyValueStore<String, PendingRequest> requests;

    RequestCollector(ObjectKeys keys, FusionProperties properties, JobMeters jobs, CloudEventHeaders cloudEvents) {
        this.keys = keys;
        this.properties = properties;
        this.jobs = jobs;
        this.cloudEvents = cloudEvents;
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
            // no object key can be made for it: refused here rather than failing every later step (the processing
            // exception handler dead-letters it and ends its request, FusionStreamErrors)
            throw new IllegalArgumentException("volumeId or requestId is not well-formed: " + result.volumeId()
                    + ", " + result.requestId());
        }
        String key = result.volumeId() + "/" + result.requestId();
        String traceparent = traceparent(record.headers());
        PendingRequest entry = requests.get(key);
        if (entry != null && entry.finished()) {
            LOG.info("{}: {} result arrived after the request's job was emitted, ignored", key, result.axis().id());
            return;
        }
        if (entry != null && entry.stage().number() != result.stage().number()) {
            // a first-stage job delivered again while the second stage runs: its stage was fused already
            LOG.info("{}: {} result of stage {} arrived while stage {} is collected, ignored", key,
                    result.axis().id(), result.stage().number(), entry.stage().number());
            return;
        }
        if (result.failed()) {
            try (JobMeters.Job job = jobs.start(Stage.FUSION)) {
                LOG.info("{}: axis {} failed at the worker, the request ends without fusion", key,
                        result.axis().id());
                PendingRequest failed = entry == null
                        ? PendingRequest.first(result, context.currentSystemTimeMs(), traceparent) : entry;
                requests.put(key, failed.finish(context.currentSystemTimeMs()));
                job.outcome(AXIS_FAILED);
            }
            return;
        }
        entry = entry == null ? PendingRequest.first(result, context.currentSystemTimeMs(), traceparent)
                : entry.with(result);
        if (entry.missing().isEmpty()) {
            finish(key, entry, false, traceparent);
        } else {
            requests.put(key, entry);
        }
    }

    /** Ends requests waiting past the timeout and drops finished markers older than twice the timeout. */
    private void expire(long now) {
        long timeout = properties.axisTimeout().toMillis();
        List<KeyValue<String, PendingRequest>> due = new ArrayList<>();
        try (KeyValueIterator<String, PendingRequest> all = requests.all()) {
            while (all.hasNext()) {
                KeyValue<String, PendingRequest> e = all.next();
                boolean expired = e.value.finished() ? now - e.value.finishedMs() > 2 * timeout
                        : now - e.value.firstArrivedMs() > timeout;
                if (expired) {
                    due.add(e);
                }
            }
        }
        for (KeyValue<String, PendingRequest> e : due) {
            if (e.value.finished()) {
                requests.delete(e.key);
            } else {
                finish(e.key, e.value, true, e.value.traceparent());
            }
        }
    }

    /** Emits the request's job (or, timed out under the {@code fail} policy, fails it) and leaves its marker. */
    private void finish(String key, PendingRequest entry, boolean timedOut, String traceparent) {
        AxisResult first = entry.results().get(0);
        if (timedOut && properties.onTimeout() == FusionProperties.OnTimeout.FAIL) {
            try (JobMeters.Job job = jobs.start(Stage.FUSION)) {
                String detail = "axes " + FusionEvents.ids(entry.missing()) + " did not arrive within "
                        + properties.axisTimeout() + " (arrived: " + FusionEvents.ids(entry.arrived()) + ")";
                forward(first.volumeId(), FusionEvents.failed(entry.latest(),
                        keys.request(first.volumeId(), first.requestId()), Reason.AXIS_TIMEOUT, detail), traceparent);
                job.outcome(TIMED_OUT);
            }
        } else {
            FusionJob job = entry.job();
            LOG.info("{}: {}job emitted with {}{}", key, job.partial() ? "partial " : "",
                    FusionEvents.ids(entry.arrived()), job.stage().cascades() ? " (" + job.stage().describe() + ")"
                            : "");
            forward(first.volumeId(), List.of(new Outbound(Topic.FUSION_JOBS, job)), traceparent);
            if (!job.stage().last()) {
                // the fusion step publishes the next stage's jobs; their results are collected here
                requests.put(key, entry.nextStage(context.currentSystemTimeMs()));
                return;
            }
        }
        requests.put(key, entry.finish(context.currentSystemTimeMs()));
    }

    private void forward(String volumeId, List<Outbound> events, String traceparent) {
        for (Outbound event : events) {
            long now = context.currentSystemTimeMs();
            Headers headers = cloudEvents.of(event.topic(), volumeId, event.event(), Instant.ofEpochMilli(now));
            if (traceparent != null) {
                headers.add(TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
            }
            if (event.event() instanceof ErrorEvent error) {
                jobs.error(error);
            }
            context.forward(new Record<>(volumeId, event, now, headers));
        }
    }

    private static String traceparent(Headers headers) {
        Header header = headers.lastHeader(TRACEPARENT);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
