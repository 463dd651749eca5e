package dev.triplane.fusion;

import dev.triplane.infra.Topics;
import dev.triplane.infra.service.EventPublisher;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publishes the events of a finished fusion job and commits the job's offset in one Kafka transaction, opened only
 * after the fusion: {@code read_committed} readers see the events of a job together and once, and a long fusion
 * holds no transaction open. The consumer's group metadata goes with the offsets, so a fusion instance that lost
 * the job's partition to another (a rebalance during a long fusion) is fenced instead of committing a duplicate.
 * Its own producer factory with a transactional id per instance: Boot's template stays non-transactional for the
 * dead-letter publisher.
 */
final class FusionTransactions implements AutoCloseable {

    private final DefaultKafkaProducerFactory<String, String> producers;
    private final KafkaTemplate<String, String> template;
    private final EventPublisher events;

    /** @param producers a transactional producer factory (a transaction id prefix unique to this instance) */
    FusionTransactions(DefaultKafkaProducerFactory<String, String> producers, Topics topics, JsonMapper json) {
        if (!producers.transactionCapable()) {
            throw new IllegalArgumentException("the fusion step's producer factory must be transactional");
        }
        this.producers = producers;
        this.template = new KafkaTemplate<>(producers);
        this.events = new EventPublisher(template, topics, json);
    }

    /**
     * Publishes {@code out} keyed by {@code key} and commits {@code input}'s offset, all or nothing.
     *
     * @throws org.apache.kafka.common.KafkaException when the transaction fails (aborted; the job is retried)
     */
    void commit(ConsumerRecord<?, ?> input, Consumer<?, ?> consumer, String key, List<Outbound> out) {
        template.executeInTransaction(operations -> {
            out.forEach(o -> events.publish(o.topic(), key, o.event()));
            dev.triplane.infra.service.FaultPoints.reach("fusion.in-transaction");
            operations.sendOffsetsToTransaction(Map.of(new TopicPartition(input.topic(), input.partition()),
                    new OffsetAndMetadata(input.offset() + 1)), consumer.groupMetadata());
            return null;
        });
    }

    @Override
    public void close() {
        producers.destroy();
    }
}
