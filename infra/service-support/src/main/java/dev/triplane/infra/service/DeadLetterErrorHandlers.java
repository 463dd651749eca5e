package dev.triplane.infra.service;

import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.ObjectStoreException;
import java.io.UncheckedIOException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
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
 *
 * <p>Spring Kafka hands only {@link Exception}s to an error handler: an {@link Error} thrown by a listener stops
 * its container for good (the service stays up and consumes nothing). A listener that can run out of memory
 * therefore turns its {@link OutOfMemoryError} into a {@link BadInputException} with reason
 * {@code RESOURCE_LIMIT} itself.
 */
public class DeadLetterErrorHandlers {

    /** Reason of a request ended because its record failed on every attempt, or outlasted an outage's backoff. */
    public static final String RETRIES_EXHAUSTED = "RETRIES_EXHAUSTED";
    /** Reason of a request ended because its record failed with an error no retry can mend. */
    public static final String BAD_RECORD = "BAD_RECORD";
    /** Pause between two attempts of a record that failed for another reason than an outage. */
    static final long REPEAT_INTERVAL_MS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterErrorHandlers.class);

    private final KafkaTemplate<String, String> template;
    private final Topics topics;

    public DeadLetterErrorHandlers(KafkaTemplate<String, String> template, Topics topics) {
        this.template = template;
        this.topics = topics;
    }

    /** Retries for a store or broker that is briefly down: from 1 s doubling up to 30 s, for at most 2 min. */
    public static ExponentialBackOff outageBackOff() {
        ExponentialBackOff backOff = new ExponentialBackOff(1000, 2);
        backOff.setMaxInterval(30_000);
        backOff.setMaxElapsedTime(120_000);
        return backOff;
    }

    /**
     * The error handler of a listener on {@code source}.
     *
     * @param source       the consumed topic; the layout must give it a DLT
     * @param backOff      retries of a failure that may pass
     * @param notRetryable exceptions of bad input, sent to the DLT without retry; a record that is not JSON
     *                     ({@link JacksonException}) always is
     */
    @SafeVarargs
    public final DefaultErrorHandler create(Topic source, BackOff backOff,
            Class<? extends Exception>... notRetryable) {
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer(source), backOff);
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
        String deadLetter = topics.deadLetter(source)
                .orElseThrow(() -> new IllegalArgumentException(source + " has no dead-letter topic in the layout"))
                .name();
        return new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(deadLetter, record.partition()));
    }

    /**
     * The error handler of a listener whose every record carries one request: no record is retried forever and
     * every record it gives up on ends its request. A store or broker outage is retried with
     * {@link #outageBackOff()}; any other failure is tried {@code maxAttempts} times {@value #REPEAT_INTERVAL_MS} ms
     * apart (counted per record from its first failure, whatever the later exceptions); then {@code failure}
     * ends the request ({@value #RETRIES_EXHAUSTED}, or {@value #BAD_RECORD} for {@code notRetryable}) and the
     * record goes to the DLT. A {@link BadInputException} goes there at once, its request already ended by the
     * service; so does a record that is not JSON, which names no request.
     *
     * @throws IllegalArgumentException for {@code maxAttempts} below 1
     */
    @SafeVarargs
    public final DefaultErrorHandler createForRequests(Topic source, int maxAttempts, RequestFailure failure,
            Class<? extends Exception>... notRetryable) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be >= 1: " + maxAttempts);
        }
        DeadLetterPublishingRecoverer deadLetters = recoverer(source);
        DefaultErrorHandler handler = new DefaultErrorHandler((record, e) -> {
            end(record, e, maxAttempts, failure, notRetryable);
            deadLetters.accept(record, e);
        }, outageBackOff());
        handler.setBackOffFunction((record, e) -> isOutage(e) ? outageBackOff()
                : new FixedBackOff(REPEAT_INTERVAL_MS, maxAttempts - 1L));
        // an outage alternating with another failure would otherwise restart the count at every change
        handler.setResetStateOnExceptionChange(false);
        handler.addNotRetryableExceptions(JacksonException.class, BadInputException.class);
        handler.addNotRetryableExceptions(notRetryable);
        return handler;
    }

    /** Ends the request of a record the error handler gives up on, unless the service did or there is none. */
    private static void end(ConsumerRecord<?, ?> record, Exception e, int maxAttempts, RequestFailure failure,
            Class<? extends Exception>[] notRetryable) {
        if (causedBy(e, BadInputException.class) || causedBy(e, JacksonException.class)) {
            return;
        }
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String where = record.topic() + "/" + record.partition() + "@" + record.offset();
        boolean retried = true;
        for (Class<? extends Exception> type : notRetryable) {
            retried &= !causedBy(e, type);
        }
        if (!retried) {
            failure.fail(String.valueOf(record.value()), BAD_RECORD, false, cause.toString());
        } else if (isOutage(e)) {
            failure.fail(String.valueOf(record.value()), RETRIES_EXHAUSTED, true,
                    "store or broker still failing after the outage backoff: " + cause);
        } else {
            failure.fail(String.valueOf(record.value()), RETRIES_EXHAUSTED, false,
                    "failed " + maxAttempts + " times: " + cause);
        }
        LOG.warn("{}: request ended, record dead-lettered: {}", where, cause.toString());
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

    /** Ends the request a record carries with its error event and a FAILED status, as the service spells them. */
    @FunctionalInterface
    public interface RequestFailure {

        /**
         * @param value     the record's value (the service's event, JSON)
         * @param reason    {@value #RETRIES_EXHAUSTED} or {@value #BAD_RECORD}
         * @param retryable whether the same record may succeed later (an outage that outlasted the backoff)
         * @param detail    what failed, for a person
         */
        void fail(String value, String reason, boolean retryable, String detail);
    }
}
