package dev.triplane.infra.service;

import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every TriPlane service needs, built from {@link TriplaneProperties}: the layout ({@link ObjectKeys},
 * {@link Topics}) and its topics created where missing, the object store on the layout's bucket, the NIfTI reader
 * with the configured limits, the {@link EventPublisher}, the {@link DeadLetterErrorHandlers} and the
 * {@link JobMeters}, the readiness checks of the broker and the store ({@link ReadinessChecks}), and the
 * {@link WarmupRunner} of the service's {@link Warmup}s. A service
 * declaring a bean of one of these types replaces it.
 */
@AutoConfiguration(afterName = {"org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration"})
@EnableConfigurationProperties(TriplaneProperties.class)
public class TriplaneServiceAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ObjectKeys objectKeys() {
        return ObjectKeys.load();
    }

    /** Named {@code topics}: listeners name their topic as {@code #{@topics.name(...)}}. */
    @Bean
    @ConditionalOnMissingBean
    Topics topics() {
        return Topics.load();
    }

    /** The structure names of {@code triplane.label-table}, one table for every service. */
    @Bean
    @ConditionalOnMissingBean
    LabelTable labelTable(TriplaneProperties properties) {
        return properties.labelTable() == null ? LabelTable.totalSegmentatorV2()
                : LabelTable.read(properties.labelTable());
    }

    /** The layout's topics, created at startup where missing (the local stack and compose create them too). */
    @Bean
    KafkaAdmin.NewTopics triplaneTopics(Topics topics, TriplaneProperties properties) {
        return new KafkaAdmin.NewTopics(topics.newTopics(properties.topicReplicas()).toArray(NewTopic[]::new));
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    ObjectStore objectStore(TriplaneProperties properties, ObjectKeys keys) {
        return new MinioObjectStore(properties.s3().endpoint(), keys.bucket());
    }

    @Bean
    @ConditionalOnMissingBean
    NiftiReader niftiReader(TriplaneProperties properties) {
        return new NiftiReader(properties.limits().readLimits());
    }

    @Bean
    @ConditionalOnMissingBean
    EventPublisher eventPublisher(KafkaTemplate<String, String> kafka, Topics topics, JsonMapper json,
            CloudEventHeaders cloudEvents, JobMeters jobs) {
        return new EventPublisher(kafka, topics, json, cloudEvents, jobs);
    }

    /** CloudEvents headers with {@code ce_source} {@code /triplane/<spring.application.name>}. */
    @Bean
    @ConditionalOnMissingBean
    CloudEventHeaders cloudEventHeaders(Environment environment, Topics topics) {
        return new CloudEventHeaders(environment.getProperty("spring.application.name", "unnamed-service"), topics);
    }

    /**
     * Asks the store for the synthetic scan's canonical image, which is never stored: the client's first request
     * (connection, signing) is then not the first real scan's.
     */
    @Bean
    Warmup objectStoreWarmup(ObjectStore store, ObjectKeys keys) {
        return scan -> store.exists(keys.image(ObjectKeys.volumeId(scan.imageNifti())));
    }

    /** Installs the fault-point settings before any listener runs (a no-op unless the harness set a folder). */
    @Bean
    InitializingBean faultPointsInstaller(TriplaneProperties properties) {
        return () -> FaultPoints.install(properties.faultPoints());
    }

    @Bean
    WarmupRunner warmupRunner(ObjectProvider<Warmup> warmups, TriplaneProperties properties) {
        return new WarmupRunner(warmups.orderedStream().toList(), properties.warmupRounds());
    }

    @Bean
    @ConditionalOnMissingBean
    JobMeters jobMeters(MeterRegistry registry) {
        return new JobMeters(registry);
    }

    /** Readiness: the broker answers ({@code kafka} in {@code management.endpoint.health.group.readiness}). */
    @Bean(destroyMethod = "close")
    ReadinessChecks.Kafka kafkaHealthIndicator(KafkaAdmin admin) {
        return new ReadinessChecks.Kafka(admin.getConfigurationProperties());
    }

    /** Readiness: the object store answers ({@code s3} in {@code management.endpoint.health.group.readiness}). */
    @Bean
    HealthIndicator s3HealthIndicator(ObjectStore store) {
        return ReadinessChecks.objectStore(store);
    }

    @Bean
    @ConditionalOnMissingBean
    DeadLetterErrorHandlers deadLetterErrorHandlers(KafkaTemplate<String, String> kafka, Topics topics,
            EventPublisher events, TriplaneProperties properties) {
        return new DeadLetterErrorHandlers(kafka, topics, events, properties.outageBudget());
    }
}
