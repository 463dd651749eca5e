package dev.triplane.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A downstream consumer of TriPlane: reads {@code triplane.metrics} in a consumer group of its own with
 * {@code isolation.level=read_committed} (metrics-service publishes in transactions: an aborted attempt is never
 * seen, so each request's metrics arrive once), downloads the request's segmentation from the bucket
 * ({@code results/{volumeId}/{requestId}/segmentation.nii.gz}, the layout's key) and prints its per-structure Dice.
 *
 * <pre>
 * java -jar examples/java/target/triplane-example-consumer-exec.jar .triplane/stack.json [VOLUME_ID] [OUT_DIR]
 * </pre>
 *
 * With a volume id it stops after that volume's metrics (exit 0), or exits 1 after {@link #TIMEOUT}; without one it
 * prints every volume's metrics until stopped. The connection settings come from the {@code stack.json} that
 * {@code triplane up} writes; a real deployment passes its own Kafka client settings and S3 endpoint.
 */
public final class MetricsConsumer {

    public static final String TOPIC = "triplane.metrics";
    public static final Duration TIMEOUT = Duration.ofMinutes(5);

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SPRING_CLIENT_PREFIX = "spring.kafka.properties.";

    private final Map<String, Object> kafka;
    private final S3Client s3;
    private final String bucket;
    private final Path out;
    private final PrintStream print;

    /**
     * @param kafka  Kafka client settings (bootstrap servers, security); group and deserializers are set here
     * @param s3     a client on the pipeline's object store
     * @param bucket the pipeline's bucket
     * @param out    folder the segmentations are downloaded into
     * @param print  where the metrics tables go
     */
    public MetricsConsumer(Map<String, Object> kafka, S3Client s3, String bucket, Path out, PrintStream print) {
        this.kafka = kafka;
        this.s3 = s3;
        this.bucket = bucket;
        this.out = out;
        this.print = print;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: MetricsConsumer STACK_JSON [VOLUME_ID] [OUT_DIR]");
            System.exit(2);
        }
        JsonNode stack = JSON.readTree(Path.of(args[0]).toFile());
        String volumeId = args.length > 1 ? args[1] : null;
        Path out = Path.of(args.length > 2 ? args[2] : "segmentations");
        JsonNode endpoint = stack.path("s3");
        try (S3Client s3 = s3(endpoint.path("url").asString(), endpoint.path("region").asString(),
                endpoint.path("accessKey").asString(), endpoint.path("secretKey").asString())) {
            MetricsConsumer consumer = new MetricsConsumer(kafka(stack.path("kafka").path("properties")), s3,
                    stack.path("bucket").asString(), out, System.out);
            boolean found = consumer.run("triplane-example-consumer", volumeId, volumeId == null ? null : TIMEOUT);
            System.exit(found ? 0 : 1);
        }
    }

    /**
     * Consumes {@value #TOPIC} from the group's committed position (the beginning for a new group).
     *
     * @param group    the consumer group
     * @param volumeId stop after this volume's metrics; null to run until {@code timeout}, or forever without one
     * @param timeout  how long to wait, or null for no limit
     * @return whether the wanted volume's metrics arrived (true without one)
     */
    public boolean run(String group, String volumeId, Duration timeout) throws IOException {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        Instant deadline = timeout == null ? Instant.MAX : Instant.now().plus(timeout);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(TOPIC));
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode metrics = JSON.readTree(record.value());
                    if (volumeId == null || volumeId.equals(metrics.path("volumeId").asString())) {
                        print(metrics);
                        if (volumeId != null) {
                            consumer.commitSync();
                            return true;
                        }
                    }
                }
            }
        }
        return volumeId == null;
    }

    /** Downloads the request's segmentation and prints its Dice per structure. */
    private void print(JsonNode metrics) throws IOException {
        String volumeId = metrics.path("volumeId").asString();
        String requestId = metrics.path("requestId").asString();
        String key = "results/" + volumeId + "/" + requestId + "/segmentation.nii.gz";
        Path file = out.resolve(volumeId.substring(0, 12) + "-" + requestId + ".nii.gz");
        Files.createDirectories(out);
        Files.deleteIfExists(file);
        s3.getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toFile(file));
        print.printf("volume %s request %s (dataset %s)%n", volumeId, requestId,
                metrics.path("datasetTag").asString());
        print.printf("segmentation %s -> %s (%d bytes)%n", key, file, Files.size(file));
        print.printf("%-4s %-24s %8s%n", "id", "structure", "Dice");
        for (JsonNode s : metrics.path("structures")) {
            // a metric that does not exist is the string "NaN"
            print.printf(Locale.ROOT, "%-4d %-24s %8.4f%n", s.path("id").asInt(), s.path("name").asString(),
                    s.path("dice").isNumber() ? s.path("dice").asDouble() : Double.NaN);
        }
    }

    /** Kafka client settings from the Spring-style names of {@code stack.json}. */
    static Map<String, Object> kafka(JsonNode properties) {
        Map<String, Object> config = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : properties.properties()) {
            String name = e.getKey();
            if (name.startsWith(SPRING_CLIENT_PREFIX)) {
                config.put(name.substring(SPRING_CLIENT_PREFIX.length()), e.getValue().asString());
            }
        }
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.path("spring.kafka.bootstrap-servers")
                .asString());
        JsonNode protocol = properties.path("spring.kafka.security.protocol");
        if (!protocol.isMissingNode()) {
            config.put("security.protocol", protocol.asString());
        }
        return config;
    }

    /** The AWS SDK at its defaults but for path-style requests (the local S3 server has no bucket subdomains). */
    public static S3Client s3(String url, String region, String accessKey, String secretKey) {
        return S3Client.builder().endpointOverride(URI.create(url)).region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey,
                        secretKey)))
                .forcePathStyle(true).build();
    }
}
