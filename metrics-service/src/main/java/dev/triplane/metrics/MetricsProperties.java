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
 */
@ConfigurationProperties("triplane.metrics")
public record MetricsProperties(@DefaultValue("monai") String hd95Profile,
        @DefaultValue("1.0") double nsdToleranceMm) {

    /** The metric settings, validated. */
    public MetricOptions metricOptions() {
        return new MetricOptions(Hd95Profile.parse(hd95Profile), nsdToleranceMm);
    }
}
