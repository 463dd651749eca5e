package dev.triplane.infra.service;

import dev.triplane.core.events.VolumeStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The latest {@link VolumeStatus} of every volume, in memory: reads the compacted {@code triplane.status} topic
 * from the beginning with a plain consumer (no group, so every instance sees every partition) on its own thread,
 * then follows it. Statuses of one request are merged as {@link VolumeStatus} describes: the newest state, stage
 * and detail, and per axis the newest progress any stage reported ({@link VolumeStatus#merge}); a status of another
 * request replaces the volume's entry.
 *
 * <p>Memory is one small record per volume ever seen, as for the compacted topic itself. A value that is not a
 * {@code VolumeStatus} is logged and skipped: the view must not stop on one bad record.
 */
public class VolumeStatusView implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(VolumeStatusView.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final Map<String, Object> consumerConfig;
    private final String topic;
    private final JsonMapper json;
    private final Map<String, VolumeStatus> latest = new ConcurrentHashMap<>();
    private volatile boolean caughtUp;
    private volatile boolean running;
    private volatile KafkaConsumer<String, String> consumer;
    private Thread reader;

    /**
     * @param consumerConfig client settings (bootstrap servers, security); group, offsets and deserializers are
     *                       set here
     * @param topic          the status topic's name
     */
    public VolumeStatusView(Map<String, Object> consumerConfig, String topic, JsonMapper json) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        this.consumerConfig = Map.copyOf(config);
        this.topic = topic;
        this.json = json;
    }

    /** The merged status of a volume, or empty for a volume never seen. */
    public Optional<VolumeStatus> get(String volumeId) {
        return Optional.ofNullable(latest.get(volumeId));
    }

    /** Whether the view has read the topic up to where it ended when the view started. */
    public boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public void start() {
        running = true;
        reader = new Thread(this::read, "volume-status-view");
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (reader == null) {
            return;
        }
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void read() {
        while (running) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerConfig)) {
                consumer = c;
                follow(c);
            } catch (WakeupException e) {
                // stop() woke the consumer
            } catch (KafkaException e) {
                // broker unreachable or topic not there yet: read everything again from the beginning
                LOG.warn("{}: status view restarts: {}", topic, e.toString());
                pause();
            }
        }
    }

    private void follow(KafkaConsumer<String, String> c) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : c.partitionsFor(topic)) {
            partitions.add(new TopicPartition(topic, p.partition()));
        }
        if (partitions.isEmpty()) {
            throw new KafkaException("topic " + topic + " has no partitions yet");
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = c.endOffsets(partitions);
        while (running) {
            for (ConsumerRecord<String, String> record : c.poll(POLL)) {
                apply(record);
            }
            if (!caughtUp && ends.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                caughtUp = true;
                LOG.info("{}: status view caught up, {} volumes", topic, latest.size());
            }
        }
    }

    private void apply(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            latest.remove(record.key()); // a tombstone: the volume's status was deleted
            return;
        }
        VolumeStatus next;
        try {
            next = json.readValue(record.value(), VolumeStatus.class);
        } catch (JacksonException | IllegalArgumentException e) {
            LOG.warn("{}-{}@{}: not a VolumeStatus, skipped: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        latest.compute(next.volumeId(), (id, previous) -> VolumeStatus.merge(previous, next));
    }

    private void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
