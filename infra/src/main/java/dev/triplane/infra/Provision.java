package dev.triplane.infra;

import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import dev.triplane.infra.storage.S3Endpoint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import tools.jackson.databind.JsonNode;

/**
 * Creates what the pipeline needs on a Kafka cluster and an S3 server, from {@code layout.json}: every topic of
 * {@link Topics} (partitions, cleanup policy, retention, dead-letter topics), the settings of its share groups and
 * the bucket of {@link ObjectKeys}.
 * Idempotent: existing topics keep their configs, and only grow to the layout's partition count (as Spring's
 * {@code KafkaAdmin} does), an existing bucket is kept. The local stack runs it at start; docker-compose runs
 * {@link #main} from the infra image (the {@code provision} service).
 */
public final class Provision {

    private Provision() {
    }

    /**
     * What {@link #topics} changed.
     *
     * @param created topics that did not exist
     * @param grown   existing topics that had fewer partitions than the layout
     */
    public record Changes(List<String> created, List<String> grown) {
    }

    /** Creates the layout's missing topics and adds partitions to those with fewer than the layout. */
    public static Changes topics(Admin admin, Topics topics, short replicationFactor) throws IOException {
        try {
            List<String> created = new ArrayList<>();
            List<String> existing = new ArrayList<>();
            for (Map.Entry<String, KafkaFuture<Void>> result
                    : admin.createTopics(topics.newTopics(replicationFactor)).values().entrySet()) {
                try {
                    result.getValue().get();
                    created.add(result.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IOException("cannot create topic " + result.getKey(), e.getCause());
                    }
                    existing.add(result.getKey());
                }
            }
            List<String> grown = new ArrayList<>();
            if (!existing.isEmpty()) {
                Map<String, TopicDescription> described = admin.describeTopics(existing).allTopicNames().get();
                for (TopicSpec spec : topics.all()) {
                    TopicDescription description = described.get(spec.name());
                    if (description != null && description.partitions().size() < spec.partitions()) {
                        admin.createPartitions(Map.of(spec.name(), NewPartitions.increaseTo(spec.partitions())))
                                .all().get();
                        grown.add(spec.name());
                    }
                }
            }
            return new Changes(List.copyOf(created), List.copyOf(grown));
        } catch (ExecutionException e) {
            throw new IOException("cannot describe or grow the existing topics: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while provisioning the topics", e);
        }
    }

    /**
     * The share groups of the layout with their group settings (group -> setting -> value): the {@code share}
     * object of a topic's consumer, e.g. the axis-workers' {@code share.record.lock.duration.ms}.
     */
    public static Map<String, Map<String, String>> shareGroups() {
        JsonNode topics = LayoutFile.required(LayoutFile.read(), "topics", "layout");
        Map<String, Map<String, String>> groups = new TreeMap<>();
        for (JsonNode topic : topics) {
            for (JsonNode consumer : topic.path("consumers")) {
                if (consumer.has("share")) {
                    Map<String, String> settings = new TreeMap<>();
                    consumer.get("share").properties().forEach(e -> settings.put(e.getKey(), e.getValue().asString()));
                    groups.put(LayoutFile.required(consumer, "group", "share consumer").asString(), settings);
                }
            }
        }
        return groups;
    }

    /**
     * Sets the layout's share-group settings ({@link #shareGroups}) on the cluster (a GROUP config resource
     * each; the group need not exist yet), so that e.g. jobs sent before the first worker started are delivered
     * ({@code share.auto.offset.reset=earliest}). Idempotent.
     */
    public static void groups(Admin admin) throws IOException {
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        shareGroups().forEach((group, settings) -> changes.put(new ConfigResource(ConfigResource.Type.GROUP, group),
                settings.entrySet().stream().map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()),
                        AlterConfigOp.OpType.SET)).toList()));
        try {
            admin.incrementalAlterConfigs(changes).all().get();
        } catch (ExecutionException e) {
            throw new IOException("cannot set the share groups' settings " + shareGroups() + ": " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while setting the share groups' settings", e);
        }
    }

    /** Creates the layout's bucket on the server if it does not exist. */
    public static void bucket(S3Endpoint s3, ObjectKeys keys) {
        try (ObjectStore store = new MinioObjectStore(s3, keys.bucket())) {
            store.ensureBucket();
        }
    }

    /**
     * Provisions the cluster and the S3 server named by the environment, under the services' own names (Spring's
     * relaxed binding of {@code spring.kafka.*} and {@code triplane.*}): {@code SPRING_KAFKA_BOOTSTRAP_SERVERS},
     * {@code TRIPLANE_S3_URL}, {@code TRIPLANE_S3_REGION}, {@code TRIPLANE_S3_ACCESS_KEY},
     * {@code TRIPLANE_S3_SECRET_KEY} (all required), the Kafka security settings of {@link KafkaSettings}
     * ({@code SPRING_KAFKA_SECURITY_PROTOCOL}, {@code SPRING_KAFKA_PROPERTIES_*}), {@code TRIPLANE_S3_CA_CERTIFICATES}
     * (a private CA's PEM file) and {@code TRIPLANE_TOPIC_REPLICAS} (replication factor, 1 when unset). Exits 1
     * on failure.
     */
    public static void main(String[] args) {
        try {
            Map<String, String> env = System.getenv();
            // named as the other required variables are
            required(env, KafkaSettings.toEnvironmentName(KafkaSettings.BOOTSTRAP_SERVERS));
            KafkaSettings kafka = KafkaSettings.fromEnvironment(env);
            S3Endpoint s3 = new S3Endpoint(required(env, "TRIPLANE_S3_URL"), required(env, "TRIPLANE_S3_REGION"),
                    required(env, "TRIPLANE_S3_ACCESS_KEY"), required(env, "TRIPLANE_S3_SECRET_KEY"),
                    env.get("TRIPLANE_S3_CA_CERTIFICATES"));
            short replicas = Short.parseShort(env.getOrDefault("TRIPLANE_TOPIC_REPLICAS", "1"));
            ObjectKeys keys = ObjectKeys.load();
            bucket(s3, keys);
            System.out.println("bucket " + keys.bucket() + " ready on " + s3.url());
            try (Admin admin = Admin.create(kafka.clientConfig())) {
                Changes changes = topics(admin, Topics.load(), replicas);
                System.out.println("topics ready on " + kafka.bootstrapServers() + ": created " + changes.created()
                        + ", partitions added to " + changes.grown());
                groups(admin);
                System.out.println("share groups set: " + shareGroups());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("provisioning failed: " + e);
            System.exit(1);
        }
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("environment variable " + name + " is not set");
        }
        return value;
    }
}
