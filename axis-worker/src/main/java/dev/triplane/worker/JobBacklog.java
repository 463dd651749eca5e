package dev.triplane.worker;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * The gauge {@code triplane_axis_jobs_waiting}: jobs of {@code triplane.axis-jobs} the share group has not
 * finished (waiting or running), the share partitions' lag summed, for an autoscaler (KEDA's Kafka scaler reads
 * consumer-group offsets only; the Kubernetes example scales the workers on this gauge with KEDA's Prometheus
 * scaler). Asked of the broker at most every {@value #REFRESH_SECONDS} s; NaN while it cannot be read.
 */
final class JobBacklog implements DisposableBean {

    static final long REFRESH_SECONDS = 10;

    private static final Logger LOG = LoggerFactory.getLogger(JobBacklog.class);

    private final Admin admin;
    private final String topic;
    private long readAt = Long.MIN_VALUE;
    private double waiting = Double.NaN;

    JobBacklog(Admin admin, String topic, MeterRegistry meters) {
        this.admin = admin;
        this.topic = topic;
        Gauge.builder("triplane.axis.jobs.waiting", this, JobBacklog::waiting)
                .description("axis jobs the workers' share group has not finished (waiting or running)")
                .register(meters);
    }

    synchronized double waiting() {
        long now = System.nanoTime();
        if (readAt != Long.MIN_VALUE && now - readAt < TimeUnit.SECONDS.toNanos(REFRESH_SECONDS)) {
            return waiting;
        }
        readAt = now;
        try {
            waiting = read();
        } catch (Exception e) {
            LOG.debug("share group backlog not read: {}", e.toString());
            waiting = Double.NaN;
        }
        return waiting;
    }

    /** The share partitions' lag; where the broker gives none, the records after the share-partition start. */
    private double read() throws Exception {
        Map<TopicPartition, SharePartitionOffsetInfo> offsets = admin.listShareGroupOffsets(
                Map.of(ShareJobListener.GROUP, new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo(
                ShareJobListener.GROUP).get(5, TimeUnit.SECONDS);
        List<TopicPartition> mine = offsets.keySet().stream().filter(p -> p.topic().equals(topic)).toList();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        mine.forEach(p -> latest.put(p, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
        long total = 0;
        for (TopicPartition p : mine) {
            SharePartitionOffsetInfo info = offsets.get(p);
            total += info == null ? 0
                    : info.lag().orElse(Math.max(0, ends.get(p).offset() - info.startOffset()));
        }
        return total;
    }

    @Override
    public void destroy() {
        admin.close(Duration.ofSeconds(5));
    }
}
