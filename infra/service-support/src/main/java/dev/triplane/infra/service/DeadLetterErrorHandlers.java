package dev.triplane.infra.service;

import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.BackOff;
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
        String deadLetter = topics.deadLetter(source)
                .orElseThrow(() -> new IllegalArgumentException(source + " has no dead-letter topic in the layout"))
                .name();
        DefaultErrorHandler handler = new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(deadLetter, record.partition())), backOff);
        handler.addNotRetryableExceptions(JacksonException.class);
        handler.addNotRetryableExceptions(notRetryable);
        return handler;
    }
}
