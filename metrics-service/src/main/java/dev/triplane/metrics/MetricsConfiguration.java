package dev.triplane.metrics;

import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;
import tools.jackson.core.JacksonException;

/** The layout, the object store, the NIfTI reader and the topics, built from {@link MetricsProperties}. */
@Configuration(proxyBeanMethods = false)
class MetricsConfiguration {

    @Bean
    ObjectKeys objectKeys() {
        return ObjectKeys.load();
    }

    @Bean
    Topics topics() {
        return Topics.load();
    }

    /** Topics of the layout, created at startup where missing (the local stack and compose create them too). */
    @Bean
    KafkaAdmin.NewTopics newTopics(Topics topics, MetricsProperties properties) {
        return new KafkaAdmin.NewTopics(topics.newTopics(properties.topicReplicas()).toArray(NewTopic[]::new));
    }

    /**
     * The listener's error policy: a failure (the store or the broker briefly down) is retried with backoff from
     * 1 s doubling up to 30 s for at most 2 min, then the record goes to {@code triplane.segmentations.dlt} on its
     * source partition; bad input ({@link BadSegmentationException}, a record that is not JSON) goes there at once.
     */
    @Bean
    DefaultErrorHandler errorHandler(KafkaTemplate<String, String> template, Topics topics) {
        String deadLetter = topics.deadLetter(Topic.SEGMENTATIONS).orElseThrow().name();
        ExponentialBackOff backOff = new ExponentialBackOff(1000, 2);
        backOff.setMaxInterval(30_000);
        backOff.setMaxElapsedTime(120_000);
        DefaultErrorHandler handler = new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(deadLetter, record.partition())), backOff);
        handler.addNotRetryableExceptions(BadSegmentationException.class, JacksonException.class,
                IllegalArgumentException.class);
        return handler;
    }

    @Bean(destroyMethod = "close")
    ObjectStore objectStore(MetricsProperties properties, ObjectKeys keys) {
        return new MinioObjectStore(properties.s3().endpoint(), keys.bucket());
    }

    @Bean
    NiftiReader niftiReader(MetricsProperties properties) {
        return new NiftiReader(properties.limits().readLimits());
    }
}
