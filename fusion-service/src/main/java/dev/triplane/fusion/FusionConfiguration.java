package dev.triplane.fusion;

import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.TriplaneProperties;
import dev.triplane.infra.storage.ObjectStore;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.KStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fusion-service's Kafka Streams wiring, on Spring Kafka's {@link EnableKafkaStreams} (its
 * {@link StreamsBuilderFactoryBean} runs the topology with the application context, and Boot adds the Micrometer
 * listener); the layout, store, reader and job meters come from service-support.
 */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
class FusionConfiguration {

    /**
     * Transactions and polls must outlast the fusion of a large volume (reading three logit volumes, fusing every
     * structure, writing two NIfTI files: minutes on a big CT): the stream thread does not poll meanwhile, and the
     * transaction opened by the records before it stays open. 15 min is the broker's default
     * {@code transaction.max.timeout.ms}, the most a transaction may ask for.
     */
    static final int LONG_STEP_MS = 15 * 60 * 1000;

    private static final Logger LOG = LoggerFactory.getLogger(FusionConfiguration.class);

    /**
     * Spring's {@code spring.kafka.streams.*} settings (application id {@code triplane-fusion} in application.yml)
     * plus what fusion relies on: exactly-once v2, the state directory, the long-step timeouts and undecodable
     * records logged and sent to the dead-letter topic.
     */
    @Bean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration streamsConfiguration(KafkaProperties kafka, KafkaConnectionDetails connection,
            FusionProperties fusion, Topics topics) {
        Map<String, Object> config = kafka.buildStreamsProperties();
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, connection.getStreams().getBootstrapServers());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.STATE_DIR_CONFIG, fusion.stateDir().toString());
        config.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), LONG_STEP_MS);
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), LONG_STEP_MS);
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndContinueExceptionHandler.class);
        config.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
                topics.deadLetter(Topic.AXIS_RESULTS).orElseThrow().name());
        return new KafkaStreamsConfiguration(config);
    }

    /**
     * A stream thread that died of an exception (the store or broker unreachable during a fusion) is replaced:
     * its task's transaction is aborted and the record processed again by the new thread.
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
                fusion.workDir());
    }

    @Bean
    KStream<String, Outbound> fusionStream(StreamsBuilder builder, Topics topics, RequestFusion fusion,
            ObjectStore store, ObjectKeys keys, FusionProperties properties, JobMeters jobs, JsonMapper json) {
        return FusionTopology.build(builder, topics, fusion, store, keys, properties, jobs, json);
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
