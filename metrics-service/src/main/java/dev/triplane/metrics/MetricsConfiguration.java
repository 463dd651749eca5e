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
     * The listener's error policy: a store or broker outage is retried with backoff from 1 s doubling up to 30 s
     * for at most 2 min, any other failure {@code max-attempts} times; then the request ends FAILED and the record
     * goes to {@code triplane.segmentations.dlt}. Bad input ({@link BadInputException}, out of memory included, an
     * invalid event, a record that is not JSON) goes there at once.
     */
    @Bean
    DefaultErrorHandler errorHandler(DeadLetterErrorHandlers deadLetters, MetricsProperties properties,
            SegmentationMeasurer measurer) {
        return deadLetters.createForRequests(Topic.SEGMENTATIONS, properties.maxAttempts(), measurer::failRecord,
                IllegalArgumentException.class);
    }
}
