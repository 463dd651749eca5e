package dev.triplane.infra.local;

import dev.triplane.infra.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * For tests and tools: reads every record of a topic from the beginning with a plain consumer (no group), decoding the JSON values
 * ({@code String.class} keeps them as they are). Only committed records are read: records of an aborted
 * transaction (an exactly-once producer's retry) never count.
 */
public final class TopicReader<T> implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration END_POLL = Duration.ofMillis(10);
    private static final int FETCH_MAX_WAIT_MS = 20;

    private final Consumer<String, String> consumer;
    private final Class<T> type;
    private final List<T> values = new ArrayList<>();
    /** How many of {@link #values} {@link #next} and {@link #nextToEnd} have handed out. */
    private int handedOut;

    /** A reader on a PLAINTEXT broker (the local stack's default). */
    public TopicReader(String bootstrapServers, String topic, Class<T> type) {
        this(KafkaSettings.plaintext(bootstrapServers), topic, type);
    }

    /** A reader connecting as {@code kafka} says (TLS, SASL). */
    public TopicReader(KafkaSettings kafka, String topic, Class<T> type) {
        this(new KafkaConsumer<>(config(kafka)), topic, type);
    }

    /** A reader on {@code consumer} (a test's mock), which it assigns every partition of {@code topic}. */
    TopicReader(Consumer<String, String> consumer, String topic, Class<T> type) {
        this.consumer = consumer;
        this.type = type;
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic)) {
            partitions.add(new TopicPartition(topic, p.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    private static Map<String, Object> config(KafkaSettings kafka) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // a poll cannot fetch again while the broker holds its previous fetch, up to this long
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, FETCH_MAX_WAIT_MS);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return config;
    }

    /** Every value of {@code topic} up to its current end, read once. */
    public static <T> List<T> readAll(String bootstrapServers, String topic, Class<T> type) {
        return readAll(KafkaSettings.plaintext(bootstrapServers), topic, type);
    }

    /** Every value of {@code topic} up to its current end, read once, connecting as {@code kafka} says. */
    public static <T> List<T> readAll(KafkaSettings kafka, String topic, Class<T> type) {
        try (TopicReader<T> reader = new TopicReader<>(kafka, topic, type)) {
            return reader.readToEnd();
        }
    }

    /** Every value read so far, after polling what has arrived (waiting up to 200 ms for something new). */
    public List<T> poll() {
        return poll(Duration.ofMillis(200));
    }

    /**
     * Every value read so far, after polling what has arrived within {@code timeout}: a copy, for a test's
     * assertions; a loop that follows a topic takes {@link #next} instead, which copies nothing already seen.
     */
    public List<T> poll(Duration timeout) {
        read(timeout);
        return List.copyOf(values);
    }

    /** Every value up to the current end of each partition. */
    public List<T> readToEnd() {
        readUpToEnd();
        return List.copyOf(values);
    }

    /** The values that arrived since the last {@code next} or {@link #nextToEnd}, polling up to {@code timeout}. */
    public List<T> next(Duration timeout) {
        read(timeout);
        return handOut();
    }

    /** The values not handed out by {@link #next} or {@code nextToEnd} before, up to each partition's current end. */
    public List<T> nextToEnd() {
        readUpToEnd();
        return handOut();
    }

    private void read(Duration timeout) {
        for (ConsumerRecord<String, String> record : consumer.poll(timeout)) {
            values.add(type == String.class ? type.cast(record.value()) : JSON.readValue(record.value(), type));
        }
    }

    private void readUpToEnd() {
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
        while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            // short polls: a transaction's commit marker moves the position without a record, and a poll that
            // returns no record waits its whole timeout
            read(END_POLL);
        }
    }

    private List<T> handOut() {
        List<T> fresh = List.copyOf(values.subList(handedOut, values.size()));
        handedOut = values.size();
        return fresh;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
