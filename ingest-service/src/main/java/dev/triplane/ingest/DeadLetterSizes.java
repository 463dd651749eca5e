package dev.triplane.ingest;

import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.TaskScheduler;

/**
 * Gauge {@value #GAUGE} ({@code triplane_dlt_records} in Prometheus) tagged {@code topic}: the records each
 * dead-letter topic of the layout holds (end minus start offset over its partitions), refreshed every
 * {@link #INTERVAL}. Ingest exports it, once per deployment in practice, so a dashboard shows the dead letters
 * without a broker exporter; the other services count what they dead-letter in {@code triplane_errors_total}.
 */
final class DeadLetterSizes implements AutoCloseable {

    static final String GAUGE = "triplane.dlt.records";
    static final Duration INTERVAL = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterSizes.class);
    private static final long TIMEOUT_MS = 10_000;

    private final Admin admin;
    private final Map<String, AtomicLong> sizes = new LinkedHashMap<>();
    private final ScheduledFuture<?> refresh;

    /** @param adminConfig the admin client's settings (Boot's {@code KafkaAdmin} configuration, security included) */
    DeadLetterSizes(Map<String, Object> adminConfig, Topics topics, MeterRegistry meters, TaskScheduler scheduler) {
        this.admin = Admin.create(adminConfig);
        for (Topic topic : Topic.values()) {
            topics.deadLetter(topic).ifPresent(spec -> {
                AtomicLong size = new AtomicLong();
                sizes.put(spec.name(), size);
                Gauge.builder(GAUGE, size, AtomicLong::get).baseUnit("records")
                        .description("records held by a dead-letter topic").tag("topic", spec.name())
                        .register(meters);
            });
        }
        this.refresh = scheduler.scheduleWithFixedDelay(this::refresh, INTERVAL);
    }

    /** Reads the offsets of every dead-letter partition; a broker that does not answer leaves the last sizes. */
    void refresh() {
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (TopicDescription topic : admin.describeTopics(sizes.keySet()).allTopicNames()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).values()) {
                for (TopicPartitionInfo partition : topic.partitions()) {
                    TopicPartition tp = new TopicPartition(topic.name(), partition.partition());
                    latest.put(tp, OffsetSpec.latest());
                    earliest.put(tp, OffsetSpec.earliest());
                }
            }
            Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResultInfo> starts = admin.listOffsets(earliest).all()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<String, Long> totals = new HashMap<>();
            ends.forEach((tp, end) -> totals.merge(tp.topic(), end.offset() - starts.get(tp).offset(), Long::sum));
            totals.forEach((topic, records) -> sizes.get(topic).set(records));
        } catch (ExecutionException | TimeoutException e) {
            LOG.info("dead-letter topic sizes not read, keeping the last: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        refresh.cancel(false);
        admin.close(Duration.ofSeconds(1));
    }
}
