package dev.triplane.worker;

import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.sam2.Sam2Options;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of the axis-worker under {@code triplane.worker}; every default is declared here. The S3 server,
 * volume limits and topic replicas are shared by every service ({@code TriplaneProperties} under
 * {@code triplane}); the bucket, topics and object keys come from infra's {@code layout.json}.
 *
 * @param modelsDir        folder of local SAM2 exports: a job's model {@code name} runs from {@code modelsDir/name}
 *                         when that folder exists
 * @param modelCacheDir    where models absent from {@code modelsDir} are downloaded from the object store;
 *                         empty for {@code java.io.tmpdir/triplane-models}
 * @param device           {@code cpu} or {@code cuda:N} (CUDA needs ONNX Runtime's GPU artifact on the class path)
 * @param threads          ONNX Runtime intra-op threads, 0 for one per core
 * @param encoderBatch     frames per image-encoder run (frames of an axis are independent before memory
 *                         attention, so the engine encodes this many ahead); above 1 the model needs a dynamic batch
 *                         axis (tools/sam2_export's exports have one) and each frame ahead holds its features
 *                         (about 20 MB at SAM2.1's 1024 px); outputs are the same for any batch
 * @param logitEncoding    how logit volumes are stored: {@code float16} or {@code int8}
 * @param maxJobDuration   longest a job may run: its record's lock is renewed up to then, after that a hung job's
 *                         record lapses back to the share group (and counts towards its delivery limit)
 * @param progressInterval least time between two progress statuses of a job
 * @param volumeCacheSize  decoded volumes (images and labels, each) kept in memory for the next jobs
 * @param preload          models loaded at startup, before the first job, so no job's time includes loading one
 * @param workDir          where a job's logits are spilled frame by frame and encoded before the upload (deleted
 *                         after); empty for {@code java.io.tmpdir/triplane-worker}
 * @param maxAttempts      attempts of a job failing for another reason than a store or broker outage before it
 *                         ends FAILED; an outage is retried with backoff for at most 2 min
 * @param renewInterval    how often a running job's acquisition lock is renewed: under the share group's
 *                         {@code share.record.lock.duration.ms} (layout.json: 30 min) with room for a late renewal.
 *                         Renewals are for the rare job longer than that: each renewal's poll may acquire a waiting
 *                         job, which the client holds unrenewed until the running one ends (see {@link
 *                         #renewalProblem})
 */
@ConfigurationProperties("triplane.worker")
public record WorkerProperties(@DefaultValue("models") String modelsDir, String modelCacheDir,
        @DefaultValue("cpu") String device, @DefaultValue("0") int threads, @DefaultValue("1") int encoderBatch,
        @DefaultValue("float16") String logitEncoding, @DefaultValue("30m") Duration maxJobDuration,
        @DefaultValue("2s") Duration progressInterval, @DefaultValue("2") int volumeCacheSize,
        @DefaultValue List<String> preload, String workDir, @DefaultValue("3") int maxAttempts,
        @DefaultValue("20m") Duration renewInterval) {

    public WorkerProperties {
        modelCacheDir = modelCacheDir != null && !modelCacheDir.isBlank() ? modelCacheDir
                : Path.of(System.getProperty("java.io.tmpdir"), "triplane-models").toString();
        workDir = workDir != null && !workDir.isBlank() ? workDir
                : Path.of(System.getProperty("java.io.tmpdir"), "triplane-worker").toString();
        if (threads < 0 || volumeCacheSize < 0) {
            throw new IllegalArgumentException("triplane.worker.threads and volume-cache-size must be >= 0");
        }
        if (encoderBatch < 1) {
            throw new IllegalArgumentException("triplane.worker.encoder-batch must be >= 1");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("triplane.worker.max-attempts must be >= 1");
        }
        if (maxJobDuration.isNegative() || maxJobDuration.isZero() || progressInterval.isNegative()
                || renewInterval.isNegative() || renewInterval.isZero()) {
            throw new IllegalArgumentException("triplane.worker.max-job-duration and renew-interval must be > 0 and"
                    + " progress-interval >= 0");
        }
        LogitVolumeCodec.Encoding.parse(logitEncoding);
        sam2Options(device, threads);
    }

    /**
     * What is wrong with these renewal settings against the share group's lock, or empty. A renewal must come before
     * the lock lapses; and a job acquired by a renewal's poll waits, unrenewed, for the running job's end, so the
     * longest job must end within the lock after its first renewal ({@code max-job-duration <= renew-interval +
     * lock}), or that job's lock lapses before it runs and it is delivered again.
     */
    public Optional<String> renewalProblem(Duration lock) {
        if (renewInterval.compareTo(lock) >= 0) {
            return Optional.of("triplane.worker.renew-interval " + renewInterval + " is not under the share group's"
                    + " lock " + lock + ": a running job's lock lapses");
        }
        if (maxJobDuration.compareTo(renewInterval.plus(lock)) > 0) {
            return Optional.of("triplane.worker.max-job-duration " + maxJobDuration + " exceeds renew-interval + the"
                    + " share group's lock (" + renewInterval.plus(lock) + "): a job acquired while a long one"
                    + " renews can lapse before it runs, and is delivered again");
        }
        return Optional.empty();
    }

    // Strings, not Paths: Spring converts a String to a Path as a resource location, which refuses "../models".

    /** {@link #modelsDir} as a path, relative to the working directory. */
    public Path modelsFolder() {
        return Path.of(modelsDir);
    }

    /** {@link #modelCacheDir} as a path. */
    public Path modelCacheFolder() {
        return Path.of(modelCacheDir);
    }

    /** {@link #workDir} as a path. */
    public Path workFolder() {
        return Path.of(workDir);
    }

    /** The stored form of logit volumes. */
    public LogitVolumeCodec.Encoding encoding() {
        return LogitVolumeCodec.Encoding.parse(logitEncoding);
    }

    /** The engine's device, threads and encoder batch. */
    public Sam2Options sam2Options() {
        return sam2Options(device, threads).withEncoderBatch(encoderBatch);
    }

    private static Sam2Options sam2Options(String device, int threads) {
        if (device.equals("cpu")) {
            return threads == 0 ? Sam2Options.cpu() : Sam2Options.cpu(threads);
        }
        if (device.matches("cuda:\\d{1,3}")) {
            return new Sam2Options(true, Integer.parseInt(device.substring(5)), threads, 0);
        }
        throw new IllegalArgumentException("triplane.worker.device: expected cpu or cuda:N, got '" + device + "'");
    }
}
