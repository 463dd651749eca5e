package dev.triplane.fusion;

import dev.triplane.core.events.Stage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.service.DeadLetterErrorHandlers;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.Outbound;
import dev.triplane.infra.service.TransactionalPublisher;
import dev.triplane.infra.service.TriplaneProperties;
import dev.triplane.infra.storage.ObjectStore;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.KStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fusion-service's wiring: the collecting topology on Spring Kafka's {@link EnableKafkaStreams} (its
 * {@link StreamsBuilderFactoryBean} runs the topology with the application context, and Boot adds the Micrometer
 * listener), and the fusion step as a listener of Boot's container factory with its own transactional producer;
 * the layout, store, reader, dead-letter publisher and job meters come from service-support.
 */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
class FusionConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(FusionConfiguration.class);

    /**
     * Spring's {@code spring.kafka.streams.*} settings (application id {@code triplane-fusion} in application.yml)
     * plus what fusion relies on: exactly-once v2, the state directory, and undecodable records, or records whose
     * processing throws, logged, sent to the dead-letter topic and reported ({@link #errorHandling}).
     * Transaction and poll timeouts stay Streams' defaults: the topology only collects.
     */
    @Bean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration streamsConfiguration(KafkaProperties kafka, KafkaConnectionDetails connection,
            FusionProperties fusion, Topics topics, JsonMapper json, CloudEventHeaders cloudEvents) {
        Map<String, Object> config = kafka.buildStreamsProperties();
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, connection.getStreams().getBootstrapServers());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.STATE_DIR_CONFIG, fusion.stateDir().toString());
        config.putAll(errorHandling(topics, json, cloudEvents));
        return new KafkaStreamsConfiguration(config);
    }

    /**
     * Records the topology cannot take are logged, copied to the dead-letter topic and reported on the error topic
     * ({@link FusionStreamErrors}), so no record is processed again forever and none passes unreported.
     */
    static Map<String, Object> errorHandling(Topics topics, JsonMapper json, CloudEventHeaders cloudEvents) {
        return Map.of(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                FusionStreamErrors.Deserialization.class,
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, FusionStreamErrors.Processing.class,
                StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
                topics.deadLetter(Topic.AXIS_RESULTS).orElseThrow().name(),
                FusionStreamErrors.CONFIG, new FusionStreamErrors(topics, json, cloudEvents));
    }

    /**
     * A stream thread that died of an exception (the broker unreachable; a record's own failure goes to the DLT)
     * is replaced: its task's transaction is aborted and the record processed again by the new thread.
     */
    @Bean
    StreamsBuilderFactoryBeanConfigurer replaceDeadThreads() {
        return factory -> factory.setStreamsUncaughtExceptionHandler(e -> {
            LOG.warn("stream thread failed, replacing it; the record will be processed again", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    @Bean
    RequestFusion requestFusion(NiftiReader reader, ObjectKeys keys, FusionProperties fusion,
            TriplaneProperties triplane) {
        return new RequestFusion(reader, keys, fusion.fusionRule(), triplane.limits().maxVoxelBytes().toBytes(),
                fusion.workDir(), triplane.privacy().scrubHeaderText());
    }

    @Bean
    KStream<String, Outbound> fusionStream(StreamsBuilder builder, Topics topics, ObjectKeys keys,
            FusionProperties properties, JobMeters jobs, JsonMapper json, CloudEventHeaders cloudEvents) {
        return FusionTopology.build(builder, topics, keys, properties, jobs, json, cloudEvents);
    }

    @Bean
    FusionStep fusionStep(RequestFusion fusion, ObjectStore store, ObjectKeys keys, FusionProperties properties,
            JobMeters jobs, JsonMapper json) {
        return new FusionStep(fusion::fuse, new CascadeStep(fusion::fuseRas, store, keys, json), store, keys,
                properties, jobs, json);
    }

    /** The fusion step's transactional producer (its events with the job's offset). */
    @Bean(destroyMethod = "close")
    TransactionalPublisher fusionTransactions(KafkaProperties kafka, KafkaConnectionDetails connection,
            Topics topics, JsonMapper json, CloudEventHeaders cloudEvents, JobMeters jobs,
            ObservationRegistry observations) {
        return TransactionalPublisher.create("fusion", kafka, connection, topics, json, cloudEvents, jobs,
                observations);
    }

    @Bean
    FusionJobListener fusionJobListener(FusionStep step, TransactionalPublisher transactions, JsonMapper json) {
        return new FusionJobListener(step, transactions, json);
    }

    /**
     * One job per poll, a poll interval longer than the longest fusion (the consumer does not poll while fusing; a
     * rebalance then would hand the job to another instance), and only committed jobs: the topology writes them in
     * transactions. Applied to Boot's consumer factory, which keeps its Micrometer listener.
     */
    @Bean
    DefaultKafkaConsumerFactoryCustomizer oneFusionPerPoll(FusionProperties properties) {
        return factory -> factory.updateConfigs(Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1,
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, properties.maxPollIntervalMs(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
    }

    /**
     * The fusion step's error policy, the one every request-carrying listener has: a store or broker outage is
     * retried with backoff from 1 s doubling up to 30 s for {@code triplane.outage-budget} (then
     * {@code UNAVAILABLE}), any other failure {@code max-attempts} times 1 s apart (then {@code RETRIES_EXHAUSTED});
     * then {@link FusionStep#failRecord} ends the request and the job goes to {@code triplane.fusion-jobs.dlt}, both
     * in one transaction with its offset. A record that is not a fusion job gets an error event naming its position
     * and goes there at once. Bad input and an OutOfMemoryError never reach here: {@link FusionStep} ends their
     * request itself.
     */
    @Bean
    DefaultErrorHandler errorHandler(DeadLetterErrorHandlers deadLetters, FusionProperties properties,
            FusionStep step, TransactionalPublisher transactions) {
        return deadLetters.createForRequests(Topic.FUSION_JOBS, Stage.FUSION, properties.maxAttempts(),
                step::failRecord, transactions);
    }

    /** UP while the streams run or rebalance; DOWN otherwise (not started, failed or stopped), with the state. */
    @Bean
    HealthIndicator kafkaStreamsHealthIndicator(StreamsBuilderFactoryBean factory) {
        return () -> {
            KafkaStreams streams = factory.getKafkaStreams();
            KafkaStreams.State state = streams == null ? KafkaStreams.State.NOT_RUNNING : streams.state();
            Health.Builder health = state.isRunningOrRebalancing() ? Health.up() : Health.down();
            return health.withDetail("state", state.name()).build();
        };
    }
}
