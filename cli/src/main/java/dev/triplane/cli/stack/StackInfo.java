package dev.triplane.cli.stack;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.infra.KafkaSettings;
import dev.triplane.infra.storage.S3Endpoint;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code <data>/stack.json}: where a running local pipeline listens, written by {@code triplane up} and
 * {@code demo}, read by {@code submit} and {@code status}.
 *
 * @param kafka            how clients reach the broker: bootstrap servers and, for a secured broker, its TLS and
 *                         SCRAM settings under Spring's {@code spring.kafka.*} names ({@link KafkaSettings}),
 *                         which {@code submit}, {@code status} and {@code demo} connect with
 * @param s3               the S3 server's URL, region and (local, fixed) credentials
 * @param bucket           the pipeline's bucket
 * @param bucketFolder     where the S3 server keeps the bucket's objects on disk
 * @param ingestUrl        ingest-service's base URL
 * @param ingestToken      the bearer token ingest-service's API takes ({@code ServiceLauncher#ingestToken}); the
 *                         file is readable by its owner only
 * @param pids             process id per service module, and {@code triplane} for the launching CLI
 * @param logs             log file per service module
 * @param restarts         restarts after a crash so far per service instance, {@code kafka} and {@code s3}
 *                         (rewritten at each restart, with the new pids)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record StackInfo(KafkaSettings kafka, S3Endpoint s3, String bucket, String bucketFolder, String ingestUrl,
                        String ingestToken, Map<String, Long> pids, Map<String, String> logs,
                        Map<String, Integer> restarts) {

    public StackInfo {
        restarts = restarts == null ? Map.of() : restarts; // a stack.json written before restarts were counted
    }

    /** A stack that has not restarted anything (the clients' view of a stack the caller started). */
    public StackInfo(KafkaSettings kafka, S3Endpoint s3, String bucket, String bucketFolder, String ingestUrl,
                     String ingestToken, Map<String, Long> pids, Map<String, String> logs) {
        this(kafka, s3, bucket, bucketFolder, ingestUrl, ingestToken, pids, logs, Map.of());
    }

    public static final String FILE = "stack.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Writes {@code dataDir/stack.json} atomically, readable by its owner only where the file system has owners. */
    public void write(Path dataDir) throws IOException {
        Path tmp = dataDir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
        Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads {@code dataDir/stack.json}, with a hint at {@code triplane up} when there is none. */
    public static StackInfo read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        try {
            return JSON.readValue(Files.readAllBytes(file), StackInfo.class);
        } catch (NoSuchFileException e) {
            throw new IOException("no running pipeline: " + file + " is missing (start one with ./triplane up"
                    + (dataDir.endsWith(".triplane") ? "" : " --stack-dir " + dataDir) + ")");
        }
    }
}
