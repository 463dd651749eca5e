package dev.triplane.worker;

import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.service.DeadLetterErrorHandlers;
import dev.triplane.infra.storage.ModelStore;
import dev.triplane.infra.storage.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultShareConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.ShareKafkaMessageListenerContainer;
import tools.jackson.databind.json.JsonMapper;

/** The axis-worker's own beans; the layout, store, reader and publisher come from service-support. */
@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {

    /** The broker setting that bounds the deliveries of a share group's record (Kafka 4.2: broker-wide). */
    static final String DELIVERY_LIMIT = "group.share.delivery.count.limit";
    /** The share group's acquisition lock duration (a group setting, from the layout). */
    static final String GROUP_LOCK = "share.record.lock.duration.ms";
    /** Kafka's default of {@value #DELIVERY_LIMIT}, assumed when the broker does not say. */
    static final int DEFAULT_DELIVERY_LIMIT = 5;
    /** Consumer-group settings a share consumer refuses. */
    private static final List<String> NOT_FOR_SHARE_CONSUMERS = List.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
            ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, ConsumerConfig.GROUP_PROTOCOL_CONFIG,
            ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG,
            ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);

    private static final Logger LOG = LoggerFactory.getLogger(WorkerConfiguration.class);

    /**
     * Boot's consumer settings (servers, security, deserializers) for a share consumer that acquires one record
     * per poll ({@code share.acquire.mode=record_limit}, {@code max.poll.records=1}): a busy worker polls only to
     * renew its job's lock, so it holds a queued job that an idle one could run only after a renewal, which the
     * group's long lock keeps rare (README, Why renewals are rare).
     */
    @Bean
    DefaultShareConsumerFactory<String, String> shareConsumerFactory(KafkaProperties kafka,
            KafkaConnectionDetails connection) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        NOT_FOR_SHARE_CONSUMERS.forEach(config::remove);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, connection.getConsumer().getBootstrapServers());
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        config.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        return new DefaultShareConsumerFactory<>(config);
    }

    @Bean
    ShareJobListener shareJobListener(AxisJobHandler handler, DeadLetterErrorHandlers deadLetters, JsonMapper json,
            WorkerProperties properties, KafkaAdmin admin, ObservationRegistry observations) {
        described(admin, a -> new ConfigResource(ConfigResource.Type.GROUP, ShareJobListener.GROUP), GROUP_LOCK)
                .map(ms -> Duration.ofMillis(Long.parseLong(ms))).flatMap(properties::renewalProblem)
                .ifPresent(problem -> LOG.warn("{}", problem));
        return new ShareJobListener(handler, deadLetters, json, properties, deliveryLimit(admin), observations);
    }

    /**
     * The job container: one share consumer, acknowledgements by the listener ({@code MANUAL}, sent from the poll
     * loop whatever thread gives them).
     */
    @Bean
    ShareKafkaMessageListenerContainer<String, String> axisJobs(DefaultShareConsumerFactory<String, String> factory,
            ShareJobListener listener, Topics topics, WorkerProperties properties) {
        ContainerProperties container = new ContainerProperties(topics.name(Topic.AXIS_JOBS));
        container.setGroupId(ShareJobListener.GROUP);
        container.setShareAckMode(ContainerProperties.ShareAckMode.MANUAL);
        // a job is unacknowledged while it runs, for minutes; the container warns only past the longest run allowed
        container.setShareAcknowledgmentTimeout(properties.maxJobDuration());
        container.setMessageListener(listener);
        return new ShareKafkaMessageListenerContainer<>(factory, container);
    }

    @Bean
    JobBacklog jobBacklog(KafkaAdmin admin, Topics topics, MeterRegistry meters) {
        return new JobBacklog(Admin.create(adminConfig(admin)), topics.name(Topic.AXIS_JOBS), meters);
    }

    @Bean
    ModelStore modelStore(ObjectStore store, ObjectKeys keys) {
        return new ModelStore(store, keys);
    }

    /**
     * The broker's {@value #DELIVERY_LIMIT}; Kafka's default ({@value #DEFAULT_DELIVERY_LIMIT}) when it cannot be
     * read (no describe permission).
     */
    static int deliveryLimit(KafkaAdmin kafkaAdmin) {
        return described(kafkaAdmin, admin -> new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(
                admin.describeCluster().controller().get(15, TimeUnit.SECONDS).id())), DELIVERY_LIMIT)
                .map(Integer::parseInt).orElse(DEFAULT_DELIVERY_LIMIT);
    }

    /** A setting of a broker or group as the cluster describes it; empty when it cannot be read (logged). */
    private static Optional<String> described(KafkaAdmin kafkaAdmin, Resource resource, String name) {
        try (Admin admin = Admin.create(adminConfig(kafkaAdmin))) {
            ConfigResource of = resource.of(admin);
            ConfigEntry entry = admin.describeConfigs(List.of(of)).all().get(15, TimeUnit.SECONDS).get(of).get(name);
            if (entry != null && entry.value() != null) {
                return Optional.of(entry.value());
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("cannot read the cluster's {} ({})", name, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    /** Which config resource to describe, found with the admin client. */
    private interface Resource {
        ConfigResource of(Admin admin) throws ExecutionException, TimeoutException, InterruptedException;
    }

    /** Boot's admin settings (servers, security) with timeouts short enough for a scrape or a start. */
    private static Map<String, Object> adminConfig(KafkaAdmin kafkaAdmin) {
        Map<String, Object> config = new HashMap<>(kafkaAdmin.getConfigurationProperties());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        return config;
    }
}
