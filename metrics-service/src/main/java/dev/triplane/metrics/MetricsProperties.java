package dev.triplane.metrics;

import dev.triplane.core.metrics.Hd95Profile;
import dev.triplane.core.metrics.MetricOptions;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of the metrics-service under {@code triplane.metrics}; every default is declared here. The S3
 * server, volume limits and topic replicas are shared by every service ({@code TriplaneProperties} under
 * {@code triplane}); the bucket and the object keys come from infra's {@code layout.json}.
 *
 * @param hd95Profile    how HD95 combines the two directions ({@code monai} or {@code pooled})
 * @param nsdToleranceMm NSD tolerance in mm
 * @param maxAttempts    attempts of a segmentation failing for another reason than a store or broker outage
 *                       before its request ends FAILED; an outage is retried with backoff for at most 2 min
 */
@ConfigurationProperties("triplane.metrics")
public record MetricsProperties(@DefaultValue("monai") String hd95Profile,
        @DefaultValue("1.0") double nsdToleranceMm, @DefaultValue("3") int maxAttempts) {

    public MetricsProperties {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("triplane.metrics.max-attempts must be >= 1");
        }
    }

    /** The metric settings, validated. */
    public MetricOptions metricOptions() {
        return new MetricOptions(Hd95Profile.parse(hd95Profile), nsdToleranceMm);
    }
}
