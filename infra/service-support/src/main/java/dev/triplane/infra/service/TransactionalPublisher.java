package dev.triplane.infra.service;

import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.Topics;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Exactly once downstream for a listener step: publishes the events of a consumed record and commits the record's
 * offset in one Kafka transaction, opened only after the step's work: {@code read_committed} readers see the
 * events of a record together and once (a step killed after its store and before its send, or after the send and
 * before the commit, is redelivered and publishes again, the aborted or never-sent events invisible), and a long
 * step holds no transaction open. The consumer's group metadata goes with the offsets, so an instance that lost
 * the record's partition to another (a rebalance during a long step) is fenced instead of committing a duplicate.
 *
 * <p>Its own producer factory with a transactional id per instance: Boot's template stays non-transactional for
 * the other publishers. The listener's container must commit nothing itself ({@code ack-mode: manual}), and the
 * error handler's recoverer ends a request through {@link #commit} too, so its offset is committed once with the
 * request's end. Its sends are observed like Boot's template's ({@code spring.kafka.template.observation-enabled}):
 * each carries the W3C {@code traceparent} of the step's trace.
 */
public final class TransactionalPublisher implements AutoCloseable {

    private final DefaultKafkaProducerFactory<String, String> producers;
    private final KafkaTemplate<String, String> template;
    private final EventPublisher events;
    private final String inTransaction;

    /**
     * @param producers a transactional producer factory (a transaction id prefix unique to this instance)
     * @param service   names the {@link FaultPoints} point {@code <service>.in-transaction}, between the sends and
     *                  the commit
     * @param observations observes each send (the trace context goes into the record's headers)
     */
    public TransactionalPublisher(String service, DefaultKafkaProducerFactory<String, String> producers,
            Topics topics, JsonMapper json, CloudEventHeaders cloudEvents, JobMeters jobs,
            ObservationRegistry observations) {
        if (!producers.transactionCapable()) {
            throw new IllegalArgumentException("a transactional publisher needs a transactional producer factory");
        }
        this.producers = producers;
        this.template = new KafkaTemplate<>(producers);
        template.setObservationRegistry(observations);
        template.setObservationEnabled(true);
        this.events = new EventPublisher(template, topics, json, cloudEvents, jobs);
        this.inTransaction = service + ".in-transaction";
    }

    /**
     * Boot's producer settings with a transactional id of this instance's own: instances share the consumer group,
     * and fencing between them comes from the group metadata sent with the offsets, not from the id.
     *
     * @param service names the transactional ids ({@code triplane-<service>-<random>-})
     */
    public static TransactionalPublisher create(String service, KafkaProperties kafka,
            KafkaConnectionDetails connection, Topics topics, JsonMapper json, CloudEventHeaders cloudEvents,
            JobMeters jobs, ObservationRegistry observations) {
        Map<String, Object> config = kafka.buildProducerProperties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, connection.getProducer().getBootstrapServers());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        DefaultKafkaProducerFactory<String, String> producers = new DefaultKafkaProducerFactory<>(config);
        producers.setTransactionIdPrefix("triplane-" + service + "-" + UUID.randomUUID() + "-");
        return new TransactionalPublisher(service, producers, topics, json, cloudEvents, jobs, observations);
    }

    /**
     * Publishes {@code out} keyed by {@code key} (an event naming its own key keeps it) and commits {@code input}'s
     * offset, all or nothing.
     *
     * @throws org.apache.kafka.common.KafkaException when the transaction fails (aborted; the record is retried)
     */
    public void commit(ConsumerRecord<?, ?> input, Consumer<?, ?> consumer, String key, List<Outbound> out) {
        commit(input, consumer, key, out, null);
    }

    /**
     * {@link #commit(ConsumerRecord, Consumer, String, List)}, with {@code input} also published to its
     * dead-letter topic by {@code deadLetters} (a recoverer on {@link #template()}) in the same transaction.
     */
    void commit(ConsumerRecord<?, ?> input, Consumer<?, ?> consumer, String key, List<Outbound> out,
            Runnable deadLetter) {
        template.executeInTransaction(operations -> {
            out.forEach(o -> events.publish(o.topic(), o.key() != null ? o.key() : key, o.event()));
            if (deadLetter != null) {
                deadLetter.run();
            }
            FaultPoints.reach(inTransaction);
            operations.sendOffsetsToTransaction(Map.of(new TopicPartition(input.topic(), input.partition()),
                    new OffsetAndMetadata(input.offset() + 1)), consumer.groupMetadata());
            return null;
        });
    }

    /** The transactional template: a {@link DeadLetterPublishingRecoverer} on it sends inside {@link #commit}. */
    KafkaTemplate<String, String> template() {
        return template;
    }

    @Override
    public void close() {
        producers.destroy();
    }
}
