package dev.triplane.metrics;

import dev.triplane.core.metrics.Hd95Profile;
import dev.triplane.core.metrics.MetricOptions;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.infra.storage.S3Endpoint;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the metrics-service under {@code triplane.metrics}; every default is declared here. The bucket
 * and the object keys come from infra's {@code layout.json}.
 *
 * @param s3             the S3-compatible server holding the bucket
 * @param hd95Profile    how HD95 combines the two directions ({@code monai} or {@code pooled})
 * @param nsdToleranceMm NSD tolerance in mm
 * @param limits         bounds on the volumes read
 * @param topicReplicas  replication factor of the topics the service creates when they are missing
 */
@ConfigurationProperties("triplane.metrics")
public record MetricsProperties(@DefaultValue S3 s3, @DefaultValue("monai") String hd95Profile,
        @DefaultValue("1.0") double nsdToleranceMm, @DefaultValue Limits limits,
        @DefaultValue("1") short topicReplicas) {

    /** The metric settings, validated. */
    public MetricOptions metricOptions() {
        return new MetricOptions(Hd95Profile.parse(hd95Profile), nsdToleranceMm);
    }

    /**
     * Where the bucket is served.
     *
     * @param url       base URL of the server
     * @param region    signing region
     * @param accessKey access key; the default is the local stack's (loopback only)
     * @param secretKey secret key; the default is the local stack's (loopback only)
     */
    public record S3(@DefaultValue("http://127.0.0.1:9000") String url, @DefaultValue("us-east-1") String region,
            @DefaultValue("triplane") String accessKey, @DefaultValue("triplane-local-secret") String secretKey) {

        public S3Endpoint endpoint() {
            return new S3Endpoint(url, region, accessKey, secretKey);
        }
    }

    /**
     * Bounds checked from the NIfTI header before any voxel array is allocated ({@link ReadLimits}).
     *
     * @param maxVoxelBytes    largest voxel data a volume may declare (voxel count x bytes per voxel)
     * @param maxInflatedBytes largest size a {@code .nii.gz} may inflate to
     */
    public record Limits(@DefaultValue("2GB") DataSize maxVoxelBytes, @DefaultValue("2560MB") DataSize maxInflatedBytes) {

        public ReadLimits readLimits() {
            return new ReadLimits(maxVoxelBytes.toBytes(), maxInflatedBytes.toBytes());
        }
    }
}
