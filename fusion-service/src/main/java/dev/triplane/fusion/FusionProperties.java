package dev.triplane.fusion;

import dev.triplane.core.fusion.FusionRule;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of the fusion-service under {@code triplane.fusion}; every default is declared here. The S3
 * server, volume limits and topic replicas are shared by every service ({@code TriplaneProperties} under
 * {@code triplane}); the Kafka Streams application id is Spring's {@code spring.kafka.streams.application-id},
 * the fusion step's consumer group Spring's {@code spring.kafka.consumer.group-id}.
 *
 * @param rule              fusion rule, {@link FusionRule#parse} syntax
 * @param axisTimeout       how long after the first axis result of a request the rest may arrive
 * @param onTimeout         what a request whose axes did not all arrive in time becomes
 * @param stateDir          Kafka Streams state directory; empty for {@code triplane-fusion} in the system's temp
 *                          folder
 * @param workDir           where a request's logits and outputs are kept while it is fused (deleted after); empty
 *                          for {@code triplane-fusion-work} in the system's temp folder
 * @param maxAttempts       attempts at one fusion job failing for another reason than a store or broker outage
 *                          (1 s apart) before its request ends FAILED; an outage is retried with backoff for
 *                          {@code triplane.outage-budget}
 * @param maxFusionDuration longest one fusion may take; the step's consumer {@code max.poll.interval.ms} is
 *                          derived from it so a long fusion never triggers a rebalance
 */
@ConfigurationProperties("triplane.fusion")
public record FusionProperties(@DefaultValue("mean-logit") String rule, @DefaultValue("30m") Duration axisTimeout,
        @DefaultValue("fuse-partial") OnTimeout onTimeout, Path stateDir, Path workDir,
        @DefaultValue("3") int maxAttempts, @DefaultValue("15m") Duration maxFusionDuration) {

    /** Added to {@code maxFusionDuration} for the poll interval: the transaction and the marker after a fusion. */
    static final Duration POLL_MARGIN = Duration.ofMinutes(1);

    /** The end of a request whose axes did not all arrive within {@code axis-timeout}. */
    public enum OnTimeout {
        /** Fuse the axes that arrived; the segmentation is flagged partial. */
        FUSE_PARTIAL,
        /** The request fails with an {@code AXIS_TIMEOUT} error. */
        FAIL
    }

    public FusionProperties {
        FusionRule.parse(rule);
        if (axisTimeout.isNegative() || axisTimeout.isZero()) {
            throw new IllegalArgumentException("triplane.fusion.axis-timeout must be positive: " + axisTimeout);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("triplane.fusion.max-attempts must be >= 1: " + maxAttempts);
        }
        if (maxFusionDuration.isNegative() || maxFusionDuration.isZero()) {
            throw new IllegalArgumentException("triplane.fusion.max-fusion-duration must be positive: "
                    + maxFusionDuration);
        }
        stateDir = stateDir != null ? stateDir : Path.of(System.getProperty("java.io.tmpdir"), "triplane-fusion");
        workDir = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"), "triplane-fusion-work");
    }

    public FusionRule fusionRule() {
        return FusionRule.parse(rule);
    }

    /** The fusion step consumer's {@code max.poll.interval.ms}. */
    int maxPollIntervalMs() {
        return Math.toIntExact(maxFusionDuration.plus(POLL_MARGIN).toMillis());
    }
}
