package dev.triplane.ingest;

import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

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
