package dev.triplane.infra.service;

import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;
import tools.jackson.core.JacksonException;

/**
 * Builds a listener's error policy on the layout's dead-letter topics: a failing record is retried with the given
 * backoff (the store or the broker may be briefly down), then published to {@code <source>.dlt} on its source
 * partition (the DLT has as many partitions as its source); bad input that can never succeed goes there at once.
 */
public class DeadLetterErrorHandlers {

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
}
