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
 * @param privacy       what of a scan's own text the pipeline keeps
 * @param faultPoints   the fault-injection hook of the chaos harness ({@link FaultPoints}), off by default
 * @param outageBudget  how long a job failing because the store or the broker is down is retried (backoff from 1 s
 *                      doubling up to 30 s) before its request ends {@code UNAVAILABLE}
 * @param labelTable    JSON file of structure ids and names ({@code {"1": "spleen", ...}}) by which ingest resolves
 *                      requested structures, the workers read prompt files and metrics-service names the measured
 *                      structures; unset for TotalSegmentator v2 ({@code samples/labels-total-v2.json})
 */
@ConfigurationProperties("triplane")
public record TriplaneProperties(@DefaultValue S3 s3, @DefaultValue Limits limits,
        @DefaultValue("1") short topicReplicas, @DefaultValue("3") int warmupRounds, @DefaultValue Privacy privacy,
        @DefaultValue FaultPoints faultPoints, @DefaultValue("2m") Duration outageBudget, Path labelTable) {

    /**
     * Free text in scans. Events never carry it (nor a file name other than an object key), whatever this says.
     *
     * @param scrubHeaderText whether the NIfTI files the pipeline writes (ingest's canonical copies, fusion's
     *                        results) have their header text ({@code descrip}, {@code aux_file},
     *                        {@code intent_name}, {@code db_name}) blanked and, in canonical copies, their extensions
     *                        zeroed: converters put names, dates and DICOM tags there
     */
    public record Privacy(@DefaultValue("true") boolean scrubHeaderText) {
    }

    /**
     * Where the bucket is served. The credentials have no default: a deployment names its own (docker-compose
     * from {@code .env}, Kubernetes from a Secret, the local stack its loopback keys).
     *
     * @param url            base URL of the server, {@code https://...} for TLS
     * @param region         signing region
     * @param accessKey      access key, required
     * @param secretKey      secret key, required
     * @param caCertificates PEM file of a private CA that signed an {@code https} server's certificate; unset for
     *                       the JVM's certificate authorities
     */
    public record S3(@DefaultValue("http://127.0.0.1:9000") String url, @DefaultValue("us-east-1") String region,
            String accessKey, String secretKey, String caCertificates) {

        /** The endpoint; throws naming the missing setting when a credential is not configured. */
        public S3Endpoint endpoint() {
            if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
                throw new IllegalStateException("triplane.s3.access-key and triplane.s3.secret-key must be set "
                        + "(TRIPLANE_S3_ACCESS_KEY, TRIPLANE_S3_SECRET_KEY): there are no default credentials");
            }
            return new S3Endpoint(url, region, accessKey, secretKey, caCertificates);
        }

        @Override
        public String toString() {
            return "S3[url=" + url + ", region=" + region + ", accessKey=" + accessKey
                    + ", caCertificates=" + caCertificates + "]"; // without the secret
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
