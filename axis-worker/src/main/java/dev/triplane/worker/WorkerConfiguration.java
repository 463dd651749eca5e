package dev.triplane.worker;

import dev.triplane.core.events.Stage;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.service.DeadLetterErrorHandlers;
import dev.triplane.infra.storage.ModelStore;
import dev.triplane.infra.storage.ObjectStore;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.listener.DefaultErrorHandler;

/** The axis-worker's own beans; the layout, store, reader and publisher come from service-support. */
@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {

    /**
     * One job per poll and a poll interval longer than the longest job: a worker busy on a long job keeps its
     * partitions (heartbeats run on the client's own thread, so a crashed worker is still noticed within the
     * session timeout). Applied to Boot's consumer factory, which keeps its Micrometer listener (the Kafka client
     * metrics, consumer lag included, on {@code /actuator/prometheus}).
     */
    @Bean
    DefaultKafkaConsumerFactoryCustomizer oneJobPerPoll(WorkerProperties properties) {
        return factory -> factory.updateConfigs(Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1,
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Math.toIntExact(properties.maxPollIntervalMs())));
    }

    /**
     * The listener's error policy: a store or broker outage is retried with backoff from 1 s doubling up to 30 s
     * for at most 2 min, any other failure {@code max-attempts} times; then the job ends FAILED
     * ({@link AxisJobHandler#failRecord}) and the record goes to {@code triplane.axis-jobs.dlt}. Bad input
     * ({@link BadInputException}, out of memory included, an invalid job) ends it at once; a record that is not
     * JSON gets an error event naming its position and goes there too.
     */
    @Bean
    DefaultErrorHandler errorHandler(DeadLetterErrorHandlers deadLetters, WorkerProperties properties,
            AxisJobHandler jobs) {
        return deadLetters.createForRequests(Topic.AXIS_JOBS, Stage.AXIS_WORKER, properties.maxAttempts(),
                jobs::failRecord, IllegalArgumentException.class);
    }

    @Bean
    ModelStore modelStore(ObjectStore store, ObjectKeys keys) {
        return new ModelStore(store, keys);
    }
}
