package dev.triplane.metrics;

import dev.triplane.core.events.Stage;
import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.service.DeadLetterErrorHandlers;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.TransactionalPublisher;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.listener.DefaultErrorHandler;
import tools.jackson.databind.json.JsonMapper;

/** The metrics-service's own beans; the layout, store, reader and publisher come from service-support. */
@Configuration(proxyBeanMethods = false)
class MetricsConfiguration {

    /** Publishes a segmentation's events with its offset in one transaction (the container commits nothing). */
    @Bean(destroyMethod = "close")
    TransactionalPublisher metricsTransactions(KafkaProperties kafka, KafkaConnectionDetails connection,
            Topics topics, JsonMapper json, CloudEventHeaders cloudEvents, JobMeters jobs,
            ObservationRegistry observations) {
        return TransactionalPublisher.create("metrics", kafka, connection, topics, json, cloudEvents, jobs,
                observations);
    }

    /**
     * The listener's error policy: a store or broker outage is retried with backoff from 1 s doubling up to 30 s
     * for at most 2 min, any other failure {@code max-attempts} times; then the request ends FAILED and the record
     * goes to {@code triplane.segmentations.dlt}, both in one transaction with its offset. Bad input
     * ({@link BadInputException}, out of memory included, an invalid event) ends it at once; a record that is not
     * JSON gets an error event naming its position and goes there too.
     */
    @Bean
    DefaultErrorHandler errorHandler(DeadLetterErrorHandlers deadLetters, MetricsProperties properties,
            SegmentationMeasurer measurer, TransactionalPublisher transactions) {
        return deadLetters.createForRequests(Topic.SEGMENTATIONS, Stage.METRICS, properties.maxAttempts(),
                measurer::failRecord, transactions, IllegalArgumentException.class);
    }
}
