package dev.triplane.infra.service;

import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.ObjectStoreException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConsumerAwareRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.util.backoff.FixedBackOff;
import tools.jackson.core.JacksonException;

/**
 * Builds a listener's error policy on the layout's dead-letter topics: a failing record is retried with the given
 * backoff (the store or the broker may be briefly down), then published to {@code <source>.dlt} on its source
 * partition (the DLT has as many partitions as its source); bad input that can never succeed goes there at once.
 * Every record given up on is reported: its request ends through the one shared path ({@link RequestEnd}: an error
 * event and a FAILED status, published together), and a record that names no request (not JSON) gets an error event
 * naming its position {@code topic/partition@offset} with reason {@link Reason#BAD_RECORD}. The retry of each
 * failure follows its {@link Reason}'s policy.
 *
 * <p>Spring Kafka hands only {@link Exception}s to an error handler: an {@link Error} thrown by a listener stops
 * its container for good (the service stays up and consumes nothing). A listener that can run out of memory
 * therefore turns its {@link OutOfMemoryError} into a {@link BadInputException} with reason
 * {@link Reason#RESOURCE_LIMIT} itself.
 */
public class DeadLetterErrorHandlers {

    /** Pause between two attempts of a record that failed for another reason than an outage. */
    static final long REPEAT_INTERVAL_MS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterErrorHandlers.class);

    private final KafkaTemplate<String, String> template;
    private final Topics topics;
    private final EventPublisher events;
    private final Duration outageBudget;

    /** @param outageBudget how long an outage is retried ({@code triplane.outage-budget}) */
    public DeadLetterErrorHandlers(KafkaTemplate<String, String> template, Topics topics, EventPublisher events,
            Duration outageBudget) {
        this.template = template;
        this.topics = topics;
        this.events = events;
        this.outageBudget = outageBudget;
    }

    /** Retries for a store or broker that is briefly down: from 1 s doubling up to 30 s, for the outage budget. */
    private ExponentialBackOff outageBackOff() {
        ExponentialBackOff backOff = new ExponentialBackOff(1000, 2);
        backOff.setMaxInterval(30_000);
        backOff.setMaxElapsedTime(outageBudget.toMillis());
        return backOff;
    }

    /**
     * The error handler of a listener on {@code source} whose records carry no request (notifications): a record
     * it gives up on gets an error event naming its position, then goes to the DLT.
     *
     * @param source       the consumed topic; the layout must give it a DLT
     * @param stage        the service's stage, named by the error events
     * @param backOff      retries of a failure that may pass
     * @param notRetryable exceptions of bad input, sent to the DLT without retry ({@link Reason#BAD_RECORD}); a
     *                     record that is not JSON ({@link JacksonException}) always is
     */
    @SafeVarargs
    public final DefaultErrorHandler create(Topic source, Stage stage, BackOff backOff,
            Class<? extends Exception>... notRetryable) {
        DeadLetterPublishingRecoverer deadLetters = recoverer(source);
        DefaultErrorHandler handler = new DefaultErrorHandler((record, e) -> {
            Reason reason = poison(e, notRetryable) ? Reason.BAD_RECORD
                    : isOutage(e) ? Reason.UNAVAILABLE : Reason.RETRIES_EXHAUSTED;
            events.end(RequestEnd.ofRecord(stage, reason, record, cause(e).toString()));
            deadLetters.accept(record, e);
        }, backOff);
        handler.addNotRetryableExceptions(JacksonException.class);
        handler.addNotRetryableExceptions(notRetryable);
        return handler;
    }

    /**
     * Publishes a failed record of {@code source} to {@code <source>.dlt} on its source partition; for a listener
     * whose own recoverer ends most failures itself and sends only undecodable records there.
     *
     * @param source the consumed topic; the layout must give it a DLT
     */
    public DeadLetterPublishingRecoverer recoverer(Topic source) {
        return recoverer(source, template);
    }

    private DeadLetterPublishingRecoverer recoverer(Topic source, KafkaTemplate<String, String> on) {
        String deadLetter = topics.deadLetter(source)
                .orElseThrow(() -> new IllegalArgumentException(source + " has no dead-letter topic in the layout"))
                .name();
        return new DeadLetterPublishingRecoverer(on, (record, e) -> new TopicPartition(deadLetter, record.partition()));
    }

    /**
     * The error handler of a listener whose every record carries one request: no record is retried forever and
     * every record it gives up on ends its request. A store or broker outage is retried with
     * {@link #outageBackOff()} ({@link Reason#UNAVAILABLE} after it); any other failure is tried
     * {@code maxAttempts} times {@value #REPEAT_INTERVAL_MS} ms apart (counted per record from its first failure,
     * whatever the later exceptions; {@link Reason#RETRIES_EXHAUSTED} after); a {@link BadInputException} (its
     * reason) and {@code notRetryable} ({@link Reason#BAD_RECORD}) are not retried. Then {@code failure} gives the
     * events that end the request, they are published together and the record goes to the DLT. A record that is
     * not JSON, or that {@code failure} cannot read, names no request: it gets the error event of its position.
     *
     * @throws IllegalArgumentException for {@code maxAttempts} below 1
     */
    @SafeVarargs
    public final DefaultErrorHandler createForRequests(Topic source, Stage stage, int maxAttempts,
            RequestFailure failure, Class<? extends Exception>... notRetryable) {
        DeadLetterPublishingRecoverer deadLetters = recoverer(source);
        return forRequests(maxAttempts, (record, consumer, e) -> {
            events.end(end(record, e, stage, maxAttempts, failure, notRetryable));
            deadLetters.accept(record, consumer, e);
        }, notRetryable);
    }

    /**
     * {@link #createForRequests(Topic, Stage, int, RequestFailure, Class[])} for a listener that publishes through
     * {@code transactions} (exactly once with its input offsets): a request's end, the record's copy on the DLT and
     * its offset are committed in one transaction.
     */
    @SafeVarargs
    public final DefaultErrorHandler createForRequests(Topic source, Stage stage, int maxAttempts,
            RequestFailure failure, TransactionalPublisher transactions,
            Class<? extends Exception>... notRetryable) {
        DeadLetterPublishingRecoverer deadLetters = recoverer(source, transactions.template());
        return forRequests(maxAttempts, (record, consumer, e) -> {
            RequestEnd end = end(record, e, stage, maxAttempts, failure, notRetryable);
            transactions.commit(record, consumer, end.key(), end.events(),
                    () -> deadLetters.accept(record, consumer, e));
        }, notRetryable);
    }

    /**
     * The retries of a failed attempt under {@link #createForRequests}' policy, for a listener that retries
     * in-process (the axis-worker on a share group, where a redelivery would use up one of the record's
     * deliveries): {@link #outageBackOff()} for an outage, {@code maxAttempts} attempts
     * {@value #REPEAT_INTERVAL_MS} ms apart for another failure, null for bad input (a
     * {@link BadInputException}, {@code notRetryable}, a record that is not JSON), which ends at once.
     */
    @SafeVarargs
    public final BackOff retryBackOff(Exception e, int maxAttempts, Class<? extends Exception>... notRetryable) {
        if (causedBy(e, BadInputException.class) || poison(e, notRetryable)) {
            return null;
        }
        return attemptBackOff(e, maxAttempts);
    }

    /** The outage backoff for an outage, else {@code maxAttempts} attempts {@value #REPEAT_INTERVAL_MS} ms apart. */
    private BackOff attemptBackOff(Exception e, int maxAttempts) {
        return isOutage(e) ? outageBackOff() : new FixedBackOff(REPEAT_INTERVAL_MS, maxAttempts - 1L);
    }

    /**
     * What {@link #createForRequests} does with a record it gives up on, for a listener that retries in-process:
     * publishes the end of the record's request (reason as there: the {@link BadInputException}'s,
     * {@link Reason#BAD_RECORD}, {@link Reason#UNAVAILABLE} or {@link Reason#RETRIES_EXHAUSTED}) and copies the
     * record to {@code <source>.dlt}.
     */
    @SafeVarargs
    public final void giveUp(Topic source, Stage stage, ConsumerRecord<?, ?> record, Exception e, int maxAttempts,
            RequestFailure failure, Class<? extends Exception>... notRetryable) {
        events.end(end(record, e, stage, maxAttempts, failure, notRetryable));
        recoverer(source).accept(record, e);
    }

    private DefaultErrorHandler forRequests(int maxAttempts, ConsumerAwareRecordRecoverer recoverer,
            Class<? extends Exception>[] notRetryable) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be >= 1: " + maxAttempts);
        }
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, outageBackOff());
        handler.setBackOffFunction((record, e) -> attemptBackOff(e, maxAttempts));
        // an outage alternating with another failure would otherwise restart the count at every change
        handler.setResetStateOnExceptionChange(false);
        handler.addNotRetryableExceptions(JacksonException.class, BadInputException.class);
        handler.addNotRetryableExceptions(notRetryable);
        return handler;
    }

    /** The events that end the request of a record the error handler gives up on. */
    private RequestEnd end(ConsumerRecord<?, ?> record, Exception e, Stage stage, int maxAttempts,
            RequestFailure failure, Class<? extends Exception>[] notRetryable) {
        Throwable cause = cause(e);
        LOG.warn("{}: request ended, record dead-lettered: {}",
                RequestEnd.where(record.topic(), record.partition(), record.offset()), cause.toString());
        if (causedBy(e, JacksonException.class)) {
            return RequestEnd.ofRecord(stage, Reason.BAD_RECORD, record, cause.toString());
        }
        String value = String.valueOf(record.value());
        try {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BadInputException bad) {
                    return failure.end(value, bad.reason(), bad.object(), bad.getMessage());
                }
            }
            if (poison(e, notRetryable)) {
                return failure.end(value, Reason.BAD_RECORD, null, cause.toString());
            }
            if (isOutage(e)) {
                return failure.end(value, Reason.UNAVAILABLE, null,
                        "store or broker still failing after the outage backoff (" + outageBudget + "): " + cause);
            }
            return failure.end(value, Reason.RETRIES_EXHAUSTED, null, "failed " + maxAttempts + " times: " + cause);
        } catch (RuntimeException unreadable) {
            // the record names no request the service can read (an invalid event): only its position is known
            return RequestEnd.ofRecord(stage, Reason.BAD_RECORD, record, cause + "; " + unreadable);
        }
    }

    /** Whether a failure is bad input of the record itself, which no retry mends. */
    private static boolean poison(Exception e, Class<? extends Exception>[] notRetryable) {
        for (Class<? extends Exception> type : notRetryable) {
            if (causedBy(e, type)) {
                return true;
            }
        }
        return causedBy(e, JacksonException.class);
    }

    /** The listener's exception, without the container's wrapper. */
    private static Throwable cause(Exception e) {
        return e.getCause() != null ? e.getCause() : e;
    }

    /** Whether a failure may pass by itself: the store or the broker briefly down, a local disk full. */
    private static boolean isOutage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ObjectStoreException store) {
                return store.retryable();
            }
            if (t instanceof PublishException || t instanceof UncheckedIOException
                    || t instanceof RetriableException) {
                return true;
            }
        }
        return false;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The events that end the request a record carries, as the service reads the record. */
    @FunctionalInterface
    public interface RequestFailure {

        /**
         * @param value  the record's value (the service's event, JSON)
         * @param reason why the request ends
         * @param object the object at fault, or null for the service to name the record's main object
         * @param detail what failed, for a person
         * @return {@link RequestEnd#of} the request, with any event of the service's own that goes with it
         * @throws RuntimeException when the value names no request (the error handler then reports the record)
         */
        RequestEnd end(String value, Reason reason, String object, String detail);
    }
}
