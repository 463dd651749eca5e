package dev.triplane.infra.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.ObjectStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.util.backoff.FixedBackOff;
import tools.jackson.databind.json.JsonMapper;

/**
 * The request listeners' error policy on a fake broker: which failures end a request after how many attempts, with
 * which reason, the error event and the FAILED status published together, and that the record then goes to its DLT
 * (the handler reports it recovered, so the container moves on to the next record). {@link #sends} is what reached
 * the broker: {@code topic key value} per record.
 */
class DeadLetterErrorHandlersTest {

    static final String VOLUME = "ab".repeat(32);
    static final String JOB = "{\"volumeId\": \"" + VOLUME + "\"}";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @SuppressWarnings("unchecked")
    final KafkaTemplate<String, String> template = mock(KafkaTemplate.class);
    /** Not running: a backoff between two attempts returns after its first short sleep. */
    final MessageListenerContainer container = mock(MessageListenerContainer.class);
    final Consumer<?, ?> consumer = mock(Consumer.class);
    final ConsumerRecord<String, String> record = new ConsumerRecord<>("triplane.axis-jobs", 2, 7, VOLUME, JOB);
    final List<String> sends = new ArrayList<>();
    DeadLetterErrorHandlers handlers;
    DefaultErrorHandler handler;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void handler() {
        // the recoverer checks the DLT partition exists (the layout gives a DLT its source's partitions)
        List<PartitionInfo> partitions = IntStream.range(0, 3)
                .mapToObj(p -> new PartitionInfo("dlt", p, null, null, null)).toList();
        when(consumer.partitionsFor(anyString())).thenReturn(partitions);
        when(consumer.partitionsFor(anyString(), any(Duration.class))).thenReturn(partitions);
        when(template.getProducerFactory()).thenReturn(mock(ProducerFactory.class));
        when(template.send(any(ProducerRecord.class))).thenAnswer(call -> {
            ProducerRecord<String, String> r = call.getArgument(0);
            // dead-letter copies name their partition, events leave it to the key
            sends.add(r.topic() + (r.partition() == null ? "" : "@" + r.partition()) + " " + r.key() + " "
                    + r.value());
            return CompletableFuture.completedFuture(null);
        });
        handlers = new DeadLetterErrorHandlers(template, Topics.load(), new EventPublisher(template, Topics.load(),
                JSON, new CloudEventHeaders("axis-worker", Topics.load()), new JobMeters(new SimpleMeterRegistry())),
                Duration.ofMinutes(2));
        handler = handlers.createForRequests(Topic.AXIS_JOBS, Stage.AXIS_WORKER, 3,
                (value, reason, object, detail) -> {
                    if (!value.contains(VOLUME)) {
                        throw new IllegalArgumentException("not a job");
                    }
                    return RequestEnd.of(Stage.AXIS_WORKER, reason, object != null ? object : "image", detail,
                            VOLUME, "r1", List.of());
                },
                IllegalArgumentException.class);
    }

    @Test
    void aTopicWithoutDeadLetterTopicInTheLayoutIsRefused() {
        assertThatThrownBy(() -> handlers.create(Topic.STATUS, Stage.INGEST, new FixedBackOff(0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("STATUS");
    }

    @Test
    void aFailureThatRepeatsEndsTheRequestAtTheLastAttemptAndIsDeadLettered() {
        Exception bug = failed(new IllegalStateException("a bug"));

        assertThat(handler.handleOne(bug, record, consumer, container)).isFalse();
        assertThat(handler.handleOne(bug, record, consumer, container)).isFalse();
        assertThat(sends).isEmpty();
        assertThat(handler.handleOne(bug, record, consumer, container)).isTrue();

        assertEnded(Reason.RETRIES_EXHAUSTED, "image", "failed 3 times");
        assertDeadLettered();
    }

    @Test
    void anOutageKeepsBackingOffBeyondTheAttempts() {
        Exception outage = failed(new ObjectStoreException("store down", null, true));

        for (int attempt = 0; attempt < 5; attempt++) {
            assertThat(handler.handleOne(outage, record, consumer, container)).isFalse();
        }
        assertThat(sends).isEmpty();
    }

    @Test
    void aStoreRefusalThatCannotPassCountsAsARepeatedFailure() {
        Exception denied = failed(new ObjectStoreException("access denied", null, false));

        handler.handleOne(denied, record, consumer, container);
        handler.handleOne(denied, record, consumer, container);

        assertThat(handler.handleOne(denied, record, consumer, container)).isTrue();
        assertEnded(Reason.RETRIES_EXHAUSTED, "image", "access denied");
    }

    @Test
    void badInputEndsItsRequestWithItsReasonAndObjectAtOnce() {
        Exception bad = failed(new BadInputException("volumes/v.nii.gz", Reason.RESOURCE_LIMIT, "out of memory",
                null));

        assertThat(handler.handleOne(bad, record, consumer, container)).isTrue();

        assertEnded(Reason.RESOURCE_LIMIT, "volumes/v.nii.gz", "out of memory");
        assertDeadLettered();
    }

    @Test
    void anInvalidRecordEndsItsRequestAtOnceAsABadRecord() {
        assertThat(handler.handleOne(failed(new IllegalArgumentException("unknown memory policy")), record,
                consumer, container)).isTrue();

        assertEnded(Reason.BAD_RECORD, "image", "unknown memory policy");
        assertDeadLettered();
    }

    @Test
    void aRecordThatIsNotJsonGetsAnErrorEventNamingItsPositionAndNoStatus() {
        ConsumerRecord<String, String> garbage = new ConsumerRecord<>("triplane.axis-jobs", 1, 42, null, "{oops");
        Exception notJson = failed(new IllegalArgumentException("wrapped",
                new tools.jackson.core.exc.StreamReadException(null, "Unexpected character")));

        assertThat(handler.handleOne(notJson, garbage, consumer, container)).isTrue();

        assertThat(sends).hasSize(2);
        ErrorEvent error = JSON.readValue(value(sends.get(0), "triplane.errors triplane.axis-jobs/1@42 "),
                ErrorEvent.class);
        assertThat(error.reason()).isEqualTo(Reason.BAD_RECORD);
        assertThat(error.object()).isEqualTo("triplane.axis-jobs/1@42");
        assertThat(error.volumeId()).isNull();
        assertThat(sends.get(1)).startsWith("triplane.axis-jobs.dlt@1 ").endsWith(" {oops");
    }

    @Test
    void aNotificationGivenUpOnGetsAnErrorEventNamingItsPosition() {
        DefaultErrorHandler notifications = handlers.create(Topic.INBOX_EVENTS, Stage.INGEST,
                new FixedBackOff(0, 1), IllegalArgumentException.class);
        ConsumerRecord<String, String> bad = new ConsumerRecord<>("triplane.inbox-events", 0, 3, null, "{}");

        assertThat(notifications.handleOne(failed(new IllegalArgumentException("no Records")), bad, consumer,
                container)).isTrue();

        ErrorEvent error = JSON.readValue(value(sends.get(0), "triplane.errors triplane.inbox-events/0@3 "),
                ErrorEvent.class);
        assertThat(error.reason()).isEqualTo(Reason.BAD_RECORD);
        assertThat(error.stage()).isEqualTo(Stage.INGEST);
        assertThat(sends.get(1)).startsWith("triplane.inbox-events.dlt@0 ");
    }

    @Test
    void atLeastOneAttempt() {
        assertThatThrownBy(() -> handlers.createForRequests(Topic.AXIS_JOBS, Stage.AXIS_WORKER, 0,
                (v, r, o, d) -> null)).isInstanceOf(IllegalArgumentException.class);
    }

    /** As the container hands a listener's exception to the error handler. */
    static Exception failed(Exception cause) {
        return new ListenerExecutionFailedException("listener failed", cause);
    }

    /** The error event and the FAILED status, in that order, keyed by the volume. */
    void assertEnded(Reason reason, String object, String detail) {
        assertThat(sends.size()).isGreaterThanOrEqualTo(2);
        ErrorEvent error = JSON.readValue(value(sends.get(0), "triplane.errors " + VOLUME + " "), ErrorEvent.class);
        assertThat(error.reason()).isEqualTo(reason);
        assertThat(error.object()).isEqualTo(object);
        assertThat(error.detail()).contains(detail);
        assertThat(error.retryable()).isEqualTo(reason.retryable());
        VolumeStatus status = JSON.readValue(value(sends.get(1), "triplane.status " + VOLUME + " "),
                VolumeStatus.class);
        assertThat(status.state()).isEqualTo(VolumeStatus.State.FAILED);
        assertThat(status.detail()).startsWith(reason + ": ");
    }

    void assertDeadLettered() {
        assertThat(sends).last().isEqualTo("triplane.axis-jobs.dlt@2 " + VOLUME + " " + JOB);
    }

    static String value(String send, String prefix) {
        assertThat(send).startsWith(prefix);
        return send.substring(prefix.length());
    }
}
