package dev.triplane.ingest;

import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import dev.triplane.infra.Topic;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;
import tools.jackson.core.JacksonException;

/** The layout, the object store, the NIfTI reader and the topics, built from {@link IngestProperties}. */
@Configuration(proxyBeanMethods = false)
class IngestConfiguration {

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
    KafkaAdmin.NewTopics newTopics(Topics topics, IngestProperties properties) {
        return new KafkaAdmin.NewTopics(topics.newTopics(properties.topicReplicas()).toArray(NewTopic[]::new));
    }

    /**
     * The listeners' error policy: a failing notification is retried 3 times 1 s apart (the store may be briefly
     * down), then published to {@code triplane.inbox-events.dlt} on its source partition; a record that is not a
     * notification goes there at once.
     */
    @Bean
    DefaultErrorHandler errorHandler(KafkaTemplate<String, String> template, Topics topics) {
        String deadLetter = topics.deadLetter(Topic.INBOX_EVENTS).orElseThrow().name();
        DefaultErrorHandler handler = new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(deadLetter, record.partition())), new FixedBackOff(1000, 3));
        handler.addNotRetryableExceptions(InboxNotifications.BadNotificationException.class, JacksonException.class);
        return handler;
    }

    @Bean(destroyMethod = "close")
    ObjectStore objectStore(IngestProperties properties, ObjectKeys keys) {
        return new MinioObjectStore(properties.s3().endpoint(), keys.bucket());
    }

    @Bean
    NiftiReader niftiReader(IngestProperties properties) {
        return new NiftiReader(properties.limits().readLimits());
    }

    @Bean
    LabelTable labelTable(IngestProperties properties) {
        return properties.labelTable() == null ? LabelTable.totalSegmentatorV2() : LabelTable.read(properties.labelTable());
    }
}
