package dev.triplane.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.infra.Topic;
import dev.triplane.infra.TopicSpec;
import dev.triplane.infra.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The Kubernetes example in infra/k8s against the layout and the built services, without a cluster. */
class KubernetesExampleTest {

    private static final Path K8S = ComposeFileTest.ROOT.resolve("infra/k8s");
    private static final List<Map<String, Object>> DOCUMENTS = new ArrayList<>();

    @BeforeAll
    static void readManifests() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    for (Object document : new Yaml().loadAll(in)) {
                        if (document != null) {
                            DOCUMENTS.add(ComposeFile.map(document, file.getFileName().toString()));
                        }
                    }
                }
            }
        }
    }

    @Test
    void everyDocumentIsAKubernetesObjectWithAName() {
        assertThat(DOCUMENTS).hasSizeGreaterThanOrEqualTo(10);
        for (Map<String, Object> document : DOCUMENTS) {
            assertThat(document).containsKeys("apiVersion", "kind", "metadata");
            assertThat(ComposeFile.map(document.get("metadata"), "metadata")).containsKey("name");
        }
        assertThat(names("Deployment")).containsExactlyInAnyOrder("ingest-service", "axis-worker", "fusion-service",
                "metrics-service");
        assertThat(names("Job")).containsExactly("triplane-provision");
    }

    @Test
    void kedaScalesTheWorkersOnTheirShareGroupsBacklogPastThePartitionsOfTheJobsTopic() {
        Map<String, Object> scaledObject = only("ScaledObject");
        Map<String, Object> spec = ComposeFile.map(scaledObject.get("spec"), "spec");
        TopicSpec jobs = Topics.load().spec(Topic.AXIS_JOBS);

        assertThat(ComposeFile.map(spec.get("scaleTargetRef"), "scaleTargetRef")).containsEntry("name", "axis-worker");
        // the gauge comes from a worker: one stays up
        assertThat(spec).containsEntry("minReplicaCount", 1);
        assertThat((Integer) spec.get("maxReplicaCount")).isGreaterThan(jobs.partitions());
        List<?> triggers = (List<?>) spec.get("triggers");
        assertThat(triggers).hasSize(1);
        Map<String, Object> trigger = ComposeFile.map(triggers.get(0), "trigger");
        assertThat(trigger).containsEntry("type", "prometheus");
        Map<String, Object> metadata = ComposeFile.map(trigger.get("metadata"), "metadata");
        assertThat(metadata).containsEntry("threshold", "1").containsKey("serverAddress");
        // the worker's gauge of the share group's backlog (JobBacklog), as Prometheus names it
        assertThat((String) metadata.get("query")).contains("triplane_axis_jobs_waiting");
        assertThat(DOCUMENTS).noneMatch(d -> "TriggerAuthentication".equals(d.get("kind")));
    }

    @Test
    void theConfigMapAndSecretNamesBindInEveryBuiltServiceAndTheirPortsAreTheServers() {
        assertThat(configMap()).containsKeys("SPRING_KAFKA_BOOTSTRAP_SERVERS", "TRIPLANE_S3_URL")
                .containsEntry("SPRING_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        for (String service : ComposeFileTest.SERVICES) {
            ServiceConfiguration configuration = ServiceConfiguration.load(ComposeFileTest.ROOT, service);
            Map<String, Object> container = container(service);
            List<String> names = new ArrayList<>(configMap().keySet());
            names.addAll(environment(container).keySet());
            assertThat(configuration.unknown(names)).as(service).isEmpty();
            List<?> ports = (List<?>) container.get("ports");
            assertThat(ComposeFile.map(ports.get(0), "port")).as(service)
                    .containsEntry("containerPort", configuration.serverPort());
            for (String probe : List.of("readinessProbe", "livenessProbe")) {
                Map<String, Object> httpGet = ComposeFile.map(
                        ComposeFile.map(container.get(probe), probe).get("httpGet"), "httpGet");
                assertThat(httpGet).as(service + " " + probe).containsEntry("port", configuration.serverPort())
                        .containsEntry("path", "/actuator/health/" + probe.replace("Probe", ""));
            }
        }
    }

    @Test
    void everyPodReadsTheS3AndKafkaCredentialsFromTheSecretWhichShipsWithoutValues() {
        Map<String, Object> secret = only("Secret");
        String secretName = (String) ComposeFile.map(secret.get("metadata"), "metadata").get("name");
        Map<String, Object> values = ComposeFile.map(secret.get("stringData"), "stringData");
        assertThat(values).allSatisfy((key, value) -> assertThat(value).as(key).isEqualTo(""));
        List<Map<String, Object>> containers = new ArrayList<>();
        ComposeFileTest.SERVICES.forEach(service -> containers.add(container(service)));
        containers.add(podContainer(DOCUMENTS.stream().filter(d -> "Job".equals(d.get("kind"))).findFirst()
                .orElseThrow()));
        for (Map<String, Object> container : containers) {
            Map<String, Object> env = environment(container);
            for (String name : List.of("TRIPLANE_S3_ACCESS_KEY", "TRIPLANE_S3_SECRET_KEY",
                    "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG")) {
                Map<String, Object> valueFrom = ComposeFile.map(env.get(name), container.get("name") + " " + name);
                Map<String, Object> ref = ComposeFile.map(valueFrom.get("secretKeyRef"), name);
                assertThat(ref.get("name")).as(name).isEqualTo(secretName);
                assertThat(values).as(name).containsKey((String) ref.get("key"));
            }
        }
        // no credential anywhere else: not in the ConfigMap, not as a literal value in a pod
        assertThat(configMap().keySet()).noneMatch(key -> key.contains("KEY") || key.contains("JAAS")
                || key.contains("PASSWORD"));
        assertThat(containers).allSatisfy(c -> assertThat(environment(c)).allSatisfy((name, value) -> {
            if (name.contains("KEY") || name.contains("JAAS") || name.contains("PASSWORD")) {
                assertThat(value).as(name).isInstanceOf(Map.class);
            }
        }));
    }

    private static List<String> names(String kind) {
        return DOCUMENTS.stream().filter(d -> kind.equals(d.get("kind")))
                .map(d -> (String) ComposeFile.map(d.get("metadata"), "metadata").get("name")).toList();
    }

    private static Map<String, Object> only(String kind) {
        List<Map<String, Object>> found = DOCUMENTS.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        assertThat(found).as(kind).hasSize(1);
        return found.get(0);
    }

    private static Map<String, Object> configMap() {
        return ComposeFile.map(only("ConfigMap").get("data"), "data");
    }

    private static Map<String, Object> container(String deployment) {
        return podContainer(DOCUMENTS.stream()
                .filter(d -> "Deployment".equals(d.get("kind")) && deployment.equals(
                        ComposeFile.map(d.get("metadata"), "metadata").get("name")))
                .findFirst().orElseThrow());
    }

    private static Map<String, Object> podContainer(Map<String, Object> document) {
        Map<String, Object> template = ComposeFile.map(ComposeFile.map(document.get("spec"), "spec")
                .get("template"), "template");
        List<?> containers = (List<?>) ComposeFile.map(template.get("spec"), "template.spec").get("containers");
        return ComposeFile.map(containers.get(0), "container");
    }

    /** A container's {@code env}: name to literal value, or to its {@code valueFrom} map. */
    private static Map<String, Object> environment(Map<String, Object> container) {
        Map<String, Object> env = new LinkedHashMap<>();
        for (Object entry : (List<?>) container.getOrDefault("env", List.of())) {
            Map<String, Object> variable = ComposeFile.map(entry, "env");
            env.put((String) variable.get("name"), variable.containsKey("valueFrom") ? ComposeFile.map(
                    variable.get("valueFrom"), "valueFrom") : variable.get("value"));
        }
        return env;
    }
}
