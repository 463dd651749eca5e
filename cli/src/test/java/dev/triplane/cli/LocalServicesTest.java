package dev.triplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.cli.pipeline.Outcome;
import dev.triplane.cli.pipeline.PipelineClient;
import dev.triplane.cli.pipeline.Submission;
import dev.triplane.cli.pipeline.Submitted;
import dev.triplane.cli.stack.LaunchSettings;
import dev.triplane.cli.stack.ModelChoice;
import dev.triplane.cli.stack.RunningService;
import dev.triplane.cli.stack.Service;
import dev.triplane.cli.stack.ServiceLauncher;
import dev.triplane.cli.stack.StackInfo;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The launcher and the client against the real ingest-service and metrics-service jars (built by the reactor
 * before this module: they are test dependencies) on the shared local stack. The tests share the two services
 * and run in order; the last one stops them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalServicesTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path IMAGE = ROOT.resolve("samples/example_ct_sm.nii.gz");
    private static final Path LABELS = ROOT.resolve("samples/example_seg.nii.gz");

    private final String datasetTag = "cli-test-" + UUID.randomUUID();
    private ServiceLauncher launcher;
    private Path dataDir;
    private PipelineClient client;
    private Submitted submitted;

    @BeforeAll
    void start() throws IOException {
        assertThat(Service.INGEST.jar(ROOT)).as("packaged by the reactor before cli's tests").isRegularFile();
        assertThat(Service.METRICS.jar(ROOT)).isRegularFile();
        LocalStack stack = SharedLocalStack.get();
        dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "services");
        launcher = ServiceLauncher.start(List.of(Service.INGEST, Service.METRICS), stack.serviceProperties(),
                new LaunchSettings(ROOT, dataDir, ModelChoice.of(ROOT, null), null), Duration.ofMinutes(4));
        new StackInfo(stack.kafka(), stack.s3(), stack.bucket(), stack.bucketFolder().toString(),
                launcher.get(Service.INGEST).url(), launcher.ingestToken(), Map.of(), Map.of(),
                Map.of("ingest-service", 2, "kafka", 0)).write(dataDir);
        client = new PipelineClient(StackInfo.read(dataDir));
    }

    @AfterAll
    void stop() {
        if (launcher != null) {
            launcher.close();
        }
    }

    @Test
    @Order(1)
    void servicesAnswerHealthUpOnFreePortsAndLogUnderTheDataFolder() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<RunningService> running = launcher.running();
        assertThat(running).extracting(RunningService::service).containsExactly(Service.INGEST, Service.METRICS);
        assertThat(running).extracting(RunningService::port).doesNotHaveDuplicates()
                .doesNotContain(8081, 8084);
        for (RunningService service : running) {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create(service.url() + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"");
            assertThat(service.log()).startsWith(dataDir.resolve("logs"));
            assertThat(Files.readString(service.log())).contains("Started");
        }
        // ingest's API takes this run's random token only: stack.json holds it for the CLI, readable by its owner
        // alone, and no command line shows it
        String token = launcher.ingestToken();
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(launcher.get(Service.INGEST)
                .url() + "/volumes/" + "0".repeat(64))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(StackInfo.read(dataDir).ingestToken()).isEqualTo(token);
        assertThat(Files.getPosixFilePermissions(dataDir.resolve(StackInfo.FILE)))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(ProcessHandle.of(launcher.get(Service.INGEST).pid()).orElseThrow().info().commandLine())
                .hasValueSatisfying(command -> assertThat(command).doesNotContain(token));
    }

    @Test
    @Order(2)
    void submitReturnsIdsAndTheStatusFollows() throws Exception {
        submitted = client.submit(new Submission(IMAGE, LABELS, null, null, null, null, datasetTag, null, null, null,
                null));
        assertThat(submitted.outcome()).isEqualTo("ACCEPTED");
        assertThat(submitted.volumeId()).matches("[0-9a-f]{64}");
        assertThat(submitted.requestId()).startsWith("r-");

        // No worker runs here: the request stays ACCEPTED with its three axes at 0 frames.
        Outcome outcome = client.await(submitted.volumeId(), submitted.requestId(), Duration.ofSeconds(5), s -> { });
        assertThat(outcome.finished()).isFalse();
        assertThat(outcome.status().state()).isEqualTo(VolumeStatus.State.ACCEPTED);
        assertThat(outcome.status().axes()).hasSize(3);

        Optional<VolumeStatus> status = Optional.empty();
        for (int i = 0; i < 60 && status.filter(s -> submitted.requestId().equals(s.requestId())).isEmpty(); i++) {
            status = client.status(submitted.volumeId());
            Thread.sleep(500);
        }
        assertThat(status).get().extracting(VolumeStatus::requestId).isEqualTo(submitted.requestId());
        assertThat(client.status("0".repeat(64))).isEmpty();
    }

    @Test
    @Order(3)
    void statusPrintsTheTableAndOneVolumeByPrefix() {
        CliRun all = CliRun.of("status", "--stack-dir", dataDir.toString());
        assertThat(all.exitCode()).isZero();
        assertThat(all.out()).contains("volume", "axial", "coronal", "sagittal")
                .contains(submitted.volumeId().substring(0, 12) + "  " + submitted.requestId())
                .contains("ACCEPTED").contains("0/")
                .containsPattern("restarts after a crash: .*ingest-service 2");

        CliRun one = CliRun.of("status", submitted.volumeId().substring(0, 10), "--stack-dir", dataDir.toString());
        assertThat(one.exitCode()).isZero();
        assertThat(one.out()).contains("volumeId " + submitted.volumeId()).contains(submitted.requestId());
    }

    @Test
    @Order(4)
    void aBadFileIsRejectedWithItsReason() throws IOException {
        Path bad = Files.writeString(dataDir.resolve("not-a-volume.nii.gz"), "this is not a NIfTI file");
        CliRun run = CliRun.of("submit", bad.toString(), "--dataset-tag", datasetTag, "--stack-dir", dataDir.toString());
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.out()).containsPattern("volumeId  [0-9a-f]{64}");
        assertThat(run.err()).containsPattern("REJECTED: [A-Z_]+: .+");
    }

    @Test
    @Order(5)
    void stopLeavesNoProcess() {
        List<Long> pids = launcher.running().stream().map(RunningService::pid).toList();
        assertThat(pids).allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        launcher.close();
        assertThat(pids).noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }
}
