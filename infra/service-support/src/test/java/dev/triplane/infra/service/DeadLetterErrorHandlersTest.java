package dev.triplane.infra.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.ObjectStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.util.backoff.FixedBackOff;

/**
 * The request listeners' error policy on a fake broker: which failures end a request after how many attempts, with
 * which reason, and that the record then goes to its DLT (the handler reports it recovered, so the container moves
 * on to the next record).
 */
class DeadLetterErrorHandlersTest {

    private static final String JOB = "{\"volumeId\": \"v\"}";

    @SuppressWarnings("unchecked")
    private final KafkaTemplate<String, String> template = mock(KafkaTemplate.class);
    /** Not running: a backoff between two attempts returns after its first short sleep. */
    private final MessageListenerContainer container = mock(MessageListenerContainer.class);
    private final Consumer<?, ?> consumer = mock(Consumer.class);
    private final ConsumerRecord<String, String> record = new ConsumerRecord<>("triplane.axis-jobs", 2, 7, "v", JOB);
    private final List<String> ended = new ArrayList<>();
    private DefaultErrorHandler handler;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void handler() {
        when(template.getProducerFactory()).thenReturn(mock(ProducerFactory.class));
        when(template.send(any(ProducerRecord.class))).thenReturn(CompletableFuture.completedFuture(null));
        handler = new DeadLetterErrorHandlers(template, Topics.load()).createForRequests(Topic.AXIS_JOBS, 3,
                (value, reason, retryable, detail) -> ended.add(value + " " + reason + " " + retryable),
                IllegalArgumentException.class);
    }

    @Test
    void aTopicWithoutDeadLetterTopicInTheLayoutIsRefused() {
        DeadLetterErrorHandlers handlers = new DeadLetterErrorHandlers(template, Topics.load());

        assertThatThrownBy(() -> handlers.create(Topic.STATUS, new FixedBackOff(0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("STATUS");
    }

    @Test
    void aFailureThatRepeatsEndsTheRequestAtTheLastAttemptAndIsDeadLettered() {
        Exception bug = failed(new IllegalStateException("a bug"));

        assertThat(handler.handleOne(bug, record, consumer, container)).isFalse();
        assertThat(handler.handleOne(bug, record, consumer, container)).isFalse();
        assertThat(ended).isEmpty();
        assertThat(handler.handleOne(bug, record, consumer, container)).isTrue();

        assertThat(ended).containsExactly(JOB + " " + DeadLetterErrorHandlers.RETRIES_EXHAUSTED + " false");
        verifyDeadLettered();
    }

    @Test
    void anOutageKeepsBackingOffBeyondTheAttempts() {
        Exception outage = failed(new ObjectStoreException("store down", null, true));

        for (int attempt = 0; attempt < 5; attempt++) {
            assertThat(handler.handleOne(outage, record, consumer, container)).isFalse();
        }
        assertThat(ended).isEmpty();
        verify(template, never()).send(any(ProducerRecord.class));
    }

    @Test
    void aStoreRefusalThatCannotPassCountsAsARepeatedFailure() {
        Exception denied = failed(new ObjectStoreException("access denied", null, false));

        handler.handleOne(denied, record, consumer, container);
        handler.handleOne(denied, record, consumer, container);

        assertThat(handler.handleOne(denied, record, consumer, container)).isTrue();
        assertThat(ended).containsExactly(JOB + " " + DeadLetterErrorHandlers.RETRIES_EXHAUSTED + " false");
    }

    @Test
    void badInputIsDeadLetteredAtOnceItsRequestEndedByTheService() {
        Exception bad = failed(new BadInputException("volumes/v.nii.gz", "RESOURCE_LIMIT", "out of memory", null));

        assertThat(handler.handleOne(bad, record, consumer, container)).isTrue();

        assertThat(ended).isEmpty();
        verifyDeadLettered();
    }

    @Test
    void anInvalidRecordEndsItsRequestAtOnceAsABadRecord() {
        assertThat(handler.handleOne(failed(new IllegalArgumentException("unknown memory policy")), record,
                consumer, container)).isTrue();

        assertThat(ended).containsExactly(JOB + " " + DeadLetterErrorHandlers.BAD_RECORD + " false");
        verifyDeadLettered();
    }

    @Test
    void atLeastOneAttempt() {
        DeadLetterErrorHandlers handlers = new DeadLetterErrorHandlers(template, Topics.load());

        assertThatThrownBy(() -> handlers.createForRequests(Topic.AXIS_JOBS, 0, (v, r, t, d) -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** As the container hands a listener's exception to the error handler. */
    private static Exception failed(Exception cause) {
        return new ListenerExecutionFailedException("listener failed", cause);
    }

    @SuppressWarnings("unchecked")
    private void verifyDeadLettered() {
        verify(template).send(argThat((ProducerRecord<String, String> r) -> r.topic().equals("triplane.axis-jobs.dlt")
                && r.partition() == 2 && JOB.equals(r.value())));
    }
}
