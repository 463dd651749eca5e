package dev.triplane.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Provision;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docker-compose.yml against the built services and infra's layout, without Docker. */
class ComposeFileTest {

    /** Services whose fat jars this module checks; each needs a test-scoped dependency in e2e/pom.xml. */
    static final List<String> SERVICES = List.of("ingest-service", "axis-worker", "fusion-service", "metrics-service");

    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path COMPOSE = ROOT.resolve("docker-compose.yml");

    private static final Map<String, ServiceConfiguration> CONFIGURATIONS = new LinkedHashMap<>();
    private final ComposeFile compose = ComposeFile.read(COMPOSE);
    private final Topics topics = Topics.load();
    private final ObjectKeys keys = ObjectKeys.load();

    @BeforeAll
    static void readServiceJars() {
        for (String service : SERVICES) {
            CONFIGURATIONS.put(service, ServiceConfiguration.load(ROOT, service));
        }
    }

    @Test
    void theStackAndEveryServiceAreDefined() {
        assertThat(compose.serviceNames()).containsExactlyInAnyOrder("kafka", "minio", "provision", "minio-init",
                "ingest-service", "axis-worker", "axis-worker-gpu", "fusion-service", "metrics-service", "prometheus",
                "grafana");
    }

    @Test
    void eachServicesEnvironmentPortsAndHealthcheckMatchItsConfiguration() {
        for (ServiceConfiguration service : CONFIGURATIONS.values()) {
            assertThat(ComposeChecks.problems(compose, service)).as(service.module()).isEmpty();
            assertThat(compose.environment(service.module()))
                    .containsKeys("SPRING_KAFKA_BOOTSTRAP_SERVERS", "TRIPLANE_S3_URL", "TRIPLANE_S3_REGION",
                            "TRIPLANE_S3_ACCESS_KEY", "TRIPLANE_S3_SECRET_KEY");
        }
    }

    @Test
    void credentialsAreRequiredEnvValuesWithoutDefaultsAndEveryServiceReadsThem() throws IOException {
        Pattern reference = Pattern.compile("\\$\\{([A-Z0-9_]+)(:?[-?])?([^}]*)}");
        Map<String, String> credentials = new LinkedHashMap<>(compose.environment("minio"));
        credentials.keySet().retainAll(List.of("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"));
        for (String service : SERVICES) {
            compose.environment(service).forEach((name, value) -> {
                if (name.endsWith("_KEY") || name.contains("PASSWORD") || name.contains("JAAS")) {
                    credentials.put(service + " " + name, value);
                }
            });
        }
        assertThat(credentials).containsKeys("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD",
                "ingest-service TRIPLANE_S3_SECRET_KEY", "metrics-service TRIPLANE_S3_ACCESS_KEY");
        List<String> required = new ArrayList<>();
        credentials.forEach((where, value) -> {
            Matcher m = reference.matcher(value);
            assertThat(m.matches()).as(where + " is a ${VAR:?message} reference: " + value).isTrue();
            assertThat(m.group(2)).as(where + " must be required, not defaulted").isEqualTo(":?");
            required.add(m.group(1));
        });
        // .env.example names each of them, with no value to copy by mistake
        Map<String, String> example = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve(".env.example"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] parts = line.split("=", 2);
                example.put(parts[0], parts[1]);
            }
        }
        assertThat(example.keySet()).containsAll(required);
        assertThat(example.values()).allMatch(String::isEmpty);
    }

    @Test
    void aMisspelledOrForeignEnvironmentNameIsReported(@TempDir Path dir) throws IOException {
        String text = Files.readString(COMPOSE);
        String wrong = replaceOnce(text, "      TRIPLANE_INGEST_REQUEST_MODEL: sam2-micro\n",
                "      TRIPLANE_INGEST_REQUEST_MODELL: sam2-micro\n      TRIPLANE_METRICS_HD95_PROFILE: monai\n");
        Path copy = Files.writeString(dir.resolve("docker-compose.yml"), wrong);

        assertThat(ComposeChecks.problems(ComposeFile.read(copy), CONFIGURATIONS.get("ingest-service")))
                .containsExactlyInAnyOrder(
                        "ingest-service: environment TRIPLANE_INGEST_REQUEST_MODELL binds to no property of the "
                                + "service",
                        "ingest-service: environment TRIPLANE_METRICS_HD95_PROFILE binds to no property of the "
                                + "service");
    }

    @Test
    void aPortOtherThanTheServicesIsReported(@TempDir Path dir) throws IOException {
        String wrong = replaceOnce(Files.readString(COMPOSE), "\"8084:8084\"", "\"8084:8080\"");
        Path copy = Files.writeString(dir.resolve("docker-compose.yml"), wrong);

        assertThat(ComposeChecks.problems(ComposeFile.read(copy), CONFIGURATIONS.get("metrics-service")))
                .containsExactly("metrics-service: port 8084:8080 is not server.port 8084");
    }

    @Test
    void minioNotifiesTheLayoutsInboxTopicForPutsUnderTheInboxPrefixOfTheBucket() {
        Map<String, String> minio = compose.environment("minio");
        assertThat(minio).containsEntry("MINIO_NOTIFY_KAFKA_ENABLE_PRIMARY", "on")
                .containsEntry("MINIO_NOTIFY_KAFKA_TOPIC_PRIMARY", topics.name(Topic.INBOX_EVENTS))
                .containsEntry("MINIO_NOTIFY_KAFKA_BROKERS_PRIMARY",
                        compose.environment("ingest-service").get("SPRING_KAFKA_BOOTSTRAP_SERVERS"));
        String init = String.join(" ", ComposeFile.strings(compose.service("minio-init").get("command")));
        assertThat(init).contains("mc event add --ignore-existing triplane/" + keys.bucket()
                + " arn:minio:sqs::PRIMARY:kafka --event put --prefix " + keys.inboxPrefix() + " ");
    }

    @Test
    void provisioningRunsInfrasProvisionBeforeTheServicesAndTheNotifications() {
        Map<String, Object> build = ComposeFile.map(compose.service("provision").get("build"), "provision.build");
        assertThat(ComposeFile.map(build.get("args"), "provision.build.args"))
                .containsEntry("MODULE", "infra").containsEntry("JAR", "triplane-infra-*-provision.jar");
        assertThat(compose.environment("provision")).containsKeys("SPRING_KAFKA_BOOTSTRAP_SERVERS",
                "TRIPLANE_S3_URL", "TRIPLANE_S3_REGION", "TRIPLANE_S3_ACCESS_KEY", "TRIPLANE_S3_SECRET_KEY");
        for (String service : List.of("minio-init", "ingest-service", "axis-worker", "fusion-service",
                "metrics-service")) {
            Map<String, Object> dependsOn = ComposeFile.map(compose.service(service).get("depends_on"), service);
            assertThat(ComposeFile.map(dependsOn.get("provision"), service + ".depends_on.provision"))
                    .as(service).containsEntry("condition", "service_completed_successfully");
        }
    }

    @Test
    void axisWorkersScaleAndTheGpuExampleReservesOneNvidiaDevice() {
        assertThat(compose.service("axis-worker")).doesNotContainKeys("container_name", "ports");
        assertThat(compose.expose("axis-worker")).containsExactly("8082");
        assertThat(compose.environment("axis-worker")).containsEntry("TRIPLANE_WORKER_DEVICE", "cpu")
                .containsEntry("TRIPLANE_WORKER_MODELS_DIR", "/models");

        Map<String, Object> gpu = compose.service("axis-worker-gpu");
        assertThat(ComposeFile.strings(gpu.get("profiles"))).containsExactly("gpu");
        assertThat(gpu).doesNotContainKeys("container_name", "ports");
        assertThat(compose.environment("axis-worker-gpu")).containsEntry("TRIPLANE_WORKER_DEVICE", "cuda:0");
        Map<String, Object> reservations = ComposeFile.map(ComposeFile.map(ComposeFile.map(gpu.get("deploy"),
                "deploy").get("resources"), "resources").get("reservations"), "reservations");
        List<?> devices = (List<?>) reservations.get("devices");
        assertThat(devices).hasSize(1);
        Map<String, Object> device = ComposeFile.map(devices.get(0), "device");
        assertThat(device).containsEntry("driver", "nvidia").containsEntry("count", 1)
                .containsEntry("capabilities", List.of("gpu"));
    }

    @Test
    void theGpuWorkerIsBuiltWithOnnxRuntimesCudaBuildOnACudaBase() throws IOException {
        Map<String, Object> args = ComposeFile.map(ComposeFile.map(compose.service("axis-worker-gpu").get("build"),
                "build").get("args"), "args");
        assertThat(args).containsEntry("MODULE", "axis-worker").containsEntry("MAVEN_PROFILES", "gpu")
                .containsEntry("RUNTIME", "gpu-runtime");
        assertThat(Files.readString(ROOT.resolve("pom.xml")))
                .contains("<onnxruntime.artifact>onnxruntime_gpu</onnxruntime.artifact>");
    }

    @Test
    void theBrokerServesTheWorkersShareGroupAndProvisionSetsItsGroupSettings() {
        assertThat(compose.environment("kafka")).containsEntry("KAFKA_GROUP_SHARE_ENABLE", "true")
                .containsEntry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .containsEntry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
                .containsKey("KAFKA_GROUP_SHARE_DELIVERY_COUNT_LIMIT");
        // per-group settings are the layout's, applied by provision (Provision.groups), not broker defaults
        assertThat(Provision.shareGroups()).containsOnlyKeys("triplane-axis-workers");
        assertThat(Provision.shareGroups().get("triplane-axis-workers"))
                .containsEntry("share.auto.offset.reset", "earliest").containsKey("share.record.lock.duration.ms");
        // the broker refuses a group lock above its maximum, and provisioning with it
        assertThat(Long.parseLong(compose.environment("kafka").get("KAFKA_GROUP_SHARE_MAX_RECORD_LOCK_DURATION_MS")))
                .isGreaterThanOrEqualTo(Long.parseLong(Provision.shareGroups().get("triplane-axis-workers")
                        .get("share.record.lock.duration.ms")));
    }

    @Test
    void everyImageIsPinnedToAReleaseTag() {
        for (String service : compose.serviceNames()) {
            Object image = compose.service(service).get("image");
            if (image != null) {
                assertThat(image.toString()).as(service).matches("[^:]+:[^:]*\\d[^:]*").doesNotEndWith(":latest");
            } else {
                assertThat(compose.service(service)).as(service).containsKey("build");
            }
        }
    }

    @Test
    void theDockerfileBuildsOnPinnedImagesAndEveryBuiltModuleIsAModuleOfTheBuild() throws IOException {
        List<String> from = Files.readAllLines(ROOT.resolve("Dockerfile")).stream()
                .filter(line -> line.startsWith("FROM ")).toList();
        assertThat(from).hasSize(4);
        assertThat(from.get(0)).matches("FROM maven:3\\.9\\.\\d+-eclipse-temurin-17 AS build");
        assertThat(from.get(1)).matches("FROM eclipse-temurin:17\\.\\d+\\.\\d+_\\d+-jre AS cpu-runtime");
        // ONNX Runtime 1.28's CUDA provider links CUDA 12 and opens cuDNN 9
        assertThat(from.get(2)).matches("FROM nvidia/cuda:12\\.\\d+\\.\\d+-cudnn-runtime-ubuntu\\d+\\.\\d+ AS gpu-runtime");
        assertThat(from.get(3)).isEqualTo("FROM ${RUNTIME}");
        List<String> built = new ArrayList<>(SERVICES);
        built.add("infra");
        for (String module : built) {
            String service = module.equals("infra") ? "provision" : module;
            Map<String, Object> build = ComposeFile.map(compose.service(service).get("build"), service + ".build");
            assertThat(ComposeFile.map(build.get("args"), service + ".build.args")).containsEntry("MODULE", module);
            assertThat(ROOT.resolve(module).resolve("pom.xml")).as(module).isRegularFile();
        }
    }

    private static String replaceOnce(String text, String target, String replacement) {
        assertThat(text).as("compose file text to alter").containsOnlyOnce(target);
        return text.replace(target, replacement);
    }
}
