package dev.triplane.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** Provisioning on the real local stack: a KRaft broker and s3proxy in child JVMs. */
class ProvisionTest {

    private final LocalStack stack = SharedLocalStack.get();

    @Test
    void theLayoutsTopicsExistWithTheirPartitionsAndConfigsAndASecondRunChangesNothing() throws Exception {
        Topics topics = Topics.load();
        try (Admin admin = admin()) {
            Provision.Changes again = Provision.topics(admin, topics, (short) 1);

            assertThat(again.created()).isEmpty();
            assertThat(again.grown()).isEmpty();
            assertMatchesLayout(admin, topics);
        }
    }

    @Test
    void createsMissingTopicsOnceAndGrowsTopicsWithFewerPartitions() throws Exception {
        String prefix = "provision-test-" + UUID.randomUUID() + ".";
        Topics small = Topics.from(layout(prefix, 1));
        Topics layout = Topics.from(layout(prefix, 0));
        try (Admin admin = admin()) {
            Provision.Changes first = Provision.topics(admin, small, (short) 1);
            assertThat(first.created()).hasSize(small.all().size()).allMatch(name -> name.startsWith(prefix));
            assertThat(first.grown()).isEmpty();

            Provision.Changes second = Provision.topics(admin, layout, (short) 1);
            assertThat(second.created()).isEmpty();
            // Every topic of the layout has more than one partition, so all of them grew.
            assertThat(second.grown()).containsExactlyInAnyOrderElementsOf(
                    layout.all().stream().map(TopicSpec::name).toList());
            assertMatchesLayout(admin, layout);
        }
    }

    @Test
    void theLayoutsShareGroupSettingsAreSetOnTheirGroups() throws Exception {
        Map<String, Map<String, String>> groups = Provision.shareGroups();
        assertThat(groups).containsKey("triplane-axis-workers");
        try (Admin admin = admin()) {
            Provision.groups(admin);
            Provision.groups(admin);

            for (Map.Entry<String, Map<String, String>> group : groups.entrySet()) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group.getKey());
                // the broker applies a group config once the controller's metadata reaches it
                Config config = config(admin, resource);
                for (int i = 0; i < 300 && !holds(config, group.getValue()); i++) {
                    Thread.sleep(100);
                    config = config(admin, resource);
                }
                for (Map.Entry<String, String> setting : group.getValue().entrySet()) {
                    assertThat(config.get(setting.getKey()).value()).as(setting.getKey())
                            .isEqualTo(setting.getValue());
                }
            }
        }
    }

    @Test
    void createsTheBucketOnceAndKeepsItsObjects() {
        ObjectNode json = (ObjectNode) LayoutFile.read();
        json.put("bucket", "provision-test-" + UUID.randomUUID());
        ObjectKeys keys = ObjectKeys.from(json);

        Provision.bucket(stack.s3(), keys);
        try (ObjectStore store = new MinioObjectStore(stack.s3(), keys.bucket())) {
            store.put("inbox/kept.txt", new byte[]{1, 2, 3}, null);
        }
        Provision.bucket(stack.s3(), keys);

        try (ObjectStore store = new MinioObjectStore(stack.s3(), keys.bucket())) {
            assertThat(store.exists("inbox/kept.txt")).isTrue();
        }
    }

    @Test
    void mainProvisionsTheStackNamedByTheServicesEnvironmentNames() throws Exception {
        Map<String, String> env = Map.of("SPRING_KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers(),
                "TRIPLANE_S3_URL", stack.s3().url(), "TRIPLANE_S3_REGION", stack.s3().region(),
                "TRIPLANE_S3_ACCESS_KEY", stack.s3().accessKey(), "TRIPLANE_S3_SECRET_KEY", stack.s3().secretKey());

        Run run = runMain(env);

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("bucket " + ObjectKeys.load().bucket() + " ready on " + stack.s3().url())
                .contains("topics ready on " + stack.bootstrapServers() + ": created [], partitions added to []")
                .contains("share groups set: " + Provision.shareGroups());
    }

    @Test
    void mainFailsNamingAMissingVariable() throws Exception {
        Run run = runMain(Map.of("SPRING_KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers()));

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.output()).contains("environment variable TRIPLANE_S3_URL is not set");
    }

    private static boolean holds(Config config, Map<String, String> settings) {
        return settings.entrySet().stream().allMatch(e -> e.getValue().equals(config.get(e.getKey()).value()));
    }

    private static Config config(Admin admin, ConfigResource resource) throws Exception {
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }

    record Run(int exitCode, String output) {
    }

    /** {@link Provision#main} in a child JVM on this test's classpath, with exactly {@code env} set. */
    static Run runMain(Map<String, String> env) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Provision.class.getName()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), output);
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()));
    }

    /** The layout file with every topic renamed under {@code prefix}, and all partitions set when positive. */
    private static ObjectNode layout(String prefix, int partitions) {
        ObjectNode json = (ObjectNode) LayoutFile.read();
        for (Topic topic : Topic.values()) {
            ObjectNode entry = (ObjectNode) json.get("topics").get(topic.id());
            entry.put("name", prefix + entry.get("name").asString());
            if (partitions > 0) {
                entry.put("partitions", partitions);
            }
        }
        return json;
    }

    private static boolean partitionsMatch(Topics topics, Map<String, TopicDescription> descriptions) {
        return topics.all().stream()
                .allMatch(spec -> descriptions.get(spec.name()).partitions().size() == spec.partitions());
    }

    private static void assertMatchesLayout(Admin admin, Topics topics) throws Exception {
        List<String> names = topics.all().stream().map(TopicSpec::name).toList();
        Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
        // The broker's metadata follows the controller's partition changes shortly after they are acknowledged.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!partitionsMatch(topics, descriptions) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            descriptions = admin.describeTopics(names).allTopicNames().get();
        }
        List<ConfigResource> resources = new ArrayList<>();
        for (String name : names) {
            resources.add(new ConfigResource(ConfigResource.Type.TOPIC, name));
        }
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
        for (TopicSpec spec : topics.all()) {
            assertThat(descriptions.get(spec.name()).partitions()).as(spec.name()).hasSize(spec.partitions());
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
            spec.configs().forEach((key, value) ->
                    assertThat(config.get(key).value()).as(spec.name() + " " + key).isEqualTo(value));
        }
    }
}
