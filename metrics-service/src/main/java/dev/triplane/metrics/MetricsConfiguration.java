package dev.triplane.metrics;

import dev.triplane.infra.Topic;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.service.DeadLetterErrorHandlers;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.listener.DefaultErrorHandler;

/** The metrics-service's own beans; the layout, store, reader and publisher come from service-support. */
@Configuration(proxyBeanMethods = false)
class MetricsConfiguration {

    /**
     * The listener's error policy: a failure (the store or the broker briefly down) is retried with backoff from
     * 1 s doubling up to 30 s for at most 2 min, then the record goes to {@code triplane.segmentations.dlt}; bad
     * input ({@link BadInputException}, an invalid event, a record that is not JSON) goes there at once.
     */
    @Bean
    DefaultErrorHandler errorHandler(DeadLetterErrorHandlers deadLetters) {
        return deadLetters.create(Topic.SEGMENTATIONS, DeadLetterErrorHandlers.outageBackOff(),
                BadInputException.class, IllegalArgumentException.class);
    }
}
