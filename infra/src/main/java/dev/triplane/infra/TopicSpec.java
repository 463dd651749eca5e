package dev.triplane.infra;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * One Kafka topic as it must exist on a cluster.
 *
 * @param name        full topic name, e.g. {@code triplane.axis-jobs} or {@code triplane.axis-jobs.dlt}
 * @param partitions  partition count (at least 1)
 * @param compacted   {@code cleanup.policy=compact} (latest value per key kept) instead of {@code delete}
 * @param retentionMs {@code retention.ms} in milliseconds, -1 = forever; compacted topics keep every key's
 *                    latest value forever, so they must say -1
 */
public record TopicSpec(String name, int partitions, boolean compacted, long retentionMs) {

    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name is empty");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException(name + ": partitions must be >= 1, got " + partitions);
        }
        if (compacted && retentionMs != -1) {
            throw new IllegalArgumentException(name + ": a compacted topic keeps its latest values, retentionMs must be -1");
        }
        if (retentionMs < -1 || retentionMs == 0) {
            throw new IllegalArgumentException(name + ": retentionMs must be -1 or positive, got " + retentionMs);
        }
    }

    /** Topic-level configs to create the topic with. */
    public Map<String, String> configs() {
        return compacted
                ? Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)
                : Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs));
    }

    /** Admin request for this topic with the cluster's replication factor. */
    public NewTopic newTopic(short replicationFactor) {
        return new NewTopic(name, Optional.of(partitions), Optional.of(replicationFactor)).configs(configs());
    }
}
