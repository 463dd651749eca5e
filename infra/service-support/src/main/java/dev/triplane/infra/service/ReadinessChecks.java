package dev.triplane.infra.service;

import dev.triplane.infra.storage.ObjectStore;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The two dependencies every service needs to do work, as health indicators that the readiness group
 * ({@code /actuator/health/readiness}) includes: a service whose broker or object store does not answer is taken
 * out of rotation (and compose waits for it), but not restarted: liveness leaves them out, since a restart cannot
 * bring either back.
 */
final class ReadinessChecks {

    /** How long the broker check waits for an answer (the store check has the S3 client's own timeouts). */
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private ReadinessChecks() {
    }

    /** UP when the store answers a metadata request on the bucket (a missing object is an answer). */
    static HealthIndicator objectStore(ObjectStore store) {
        return () -> {
            try {
                store.stat(".readiness");
                return Health.up().withDetail("bucket", store.bucket()).build();
            } catch (RuntimeException e) {
                return Health.down(e).withDetail("bucket", store.bucket()).build();
            }
        };
    }

    /** The broker check: UP when the cluster lists its nodes within {@link #TIMEOUT}. */
    static final class Kafka implements HealthIndicator, AutoCloseable {

        private final Admin admin;

        /** @param adminConfig the admin client's settings (Boot's {@code KafkaAdmin} configuration, security too) */
        Kafka(Map<String, Object> adminConfig) {
            this.admin = Admin.create(adminConfig);
        }

        @Override
        public Health health() {
            try {
                Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions()
                        .timeoutMs((int) TIMEOUT.toMillis())).nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return Health.up().withDetail("nodes", nodes.size()).build();
            } catch (ExecutionException e) {
                return Health.down(e.getCause()).build();
            } catch (TimeoutException e) {
                return Health.down().withDetail("error", "no answer within " + TIMEOUT).build();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Health.down(e).build();
            }
        }

        @Override
        public void close() {
            admin.close(Duration.ofSeconds(1));
        }
    }
}
