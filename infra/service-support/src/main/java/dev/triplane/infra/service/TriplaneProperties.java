package dev.triplane.infra.service;

import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.infra.storage.S3Endpoint;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings every TriPlane service shares, under {@code triplane}; every default is declared here. A service's own
 * settings live under {@code triplane.<service>} in its own record. The bucket, topics and object keys are not
 * configured: they come from infra's {@code layout.json}. Kafka is Spring's {@code spring.kafka.bootstrap-servers}.
 *
 * @param s3            the S3-compatible server holding the bucket
 * @param limits        bounds on the volumes read
 * @param topicReplicas replication factor of the layout's topics a service creates when they are missing
 * @param warmupRounds  times a service runs its steps on a synthetic scan at startup ({@link Warmup}); 0 skips it
 * @param faultPoints   the fault-injection hook of the chaos harness ({@link dev.triplane.infra.service.FaultPoints}),
 *                      off by default
 */
@ConfigurationProperties("triplane")
public record TriplaneProperties(@DefaultValue S3 s3, @DefaultValue Limits limits,
        @DefaultValue("1") short topicReplicas, @DefaultValue("3") int warmupRounds,
        @DefaultValue FaultPoints faultPoints) {

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

        @Override
        public String toString() {
            return endpoint().toString(); // without the secret
        }
    }

    /**
     * Bounds checked from the NIfTI header before any voxel array is allocated ({@link ReadLimits}).
     *
     * @param maxVoxelBytes    largest voxel data a volume may declare (voxel count x bytes per voxel)
     * @param maxInflatedBytes largest size a {@code .nii.gz} may inflate to
     */
    public record Limits(@DefaultValue("2GB") DataSize maxVoxelBytes,
            @DefaultValue("2560MB") DataSize maxInflatedBytes) {

        public ReadLimits readLimits() {
            return new ReadLimits(maxVoxelBytes.toBytes(), maxInflatedBytes.toBytes());
        }
    }

    /**
     * Where the chaos harness arms fault points ({@link dev.triplane.infra.service.FaultPoints}).
     *
     * @param dir   the folder of armed points; null (the default) turns the hook off
     * @param pause how long a service waits at a point it reached, for the harness to kill it
     */
    public record FaultPoints(Path dir, @DefaultValue("60s") Duration pause) {
    }
}
