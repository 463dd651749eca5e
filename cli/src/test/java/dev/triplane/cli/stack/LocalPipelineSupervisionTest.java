package dev.triplane.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.cli.pipeline.PipelineClient;
import dev.triplane.cli.pipeline.Submission;
import dev.triplane.cli.pipeline.Submitted;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The supervisor of a local pipeline (its own stack, ingest only, so it stays cheap): a service killed with
 * SIGKILL comes back on its port and takes scans again, with its restart counted in {@code stack.json}; a clean
 * stop restarts nothing. The broker's restart is {@code LocalStackTest}'s; every service's under load, the chaos
 * test's.
 */
class LocalPipelineSupervisionTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void aKilledServiceComesBackOnItsPortCountedAndACleanStopRestartsNothing() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "supervised");
        LocalPipeline pipeline = LocalPipeline.start(new LaunchSettings(ROOT, data, ModelChoice.of(ROOT, null),
                "supervision-" + UUID.randomUUID()), List.of(Service.INGEST));
        RunningService ingest = pipeline.services().get(0);
        long pid;
        try {
            pid = ingest.pid();
            ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
            process.destroyForcibly(); // SIGKILL
            process.onExit().get(30, TimeUnit.SECONDS);

            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!healthUp(ingest.url()) && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            assertThat(ingest.pid()).isNotEqualTo(pid);
            assertThat(ingest.restarts()).isEqualTo(1);
            StackInfo info = StackInfo.read(data);
            assertThat(info.restarts()).containsEntry("ingest-service", 1).containsEntry("kafka", 0);
            assertThat(info.pids()).containsEntry("ingest-service", ingest.pid());
            assertThat(Files.readString(ingest.log())).as("one log across the restart").contains("Started")
                    .containsPattern("(?s)Started.*Started");

            Submitted submitted = new PipelineClient(info).submit(new Submission(
                    ROOT.resolve("samples/example_ct_sm.nii.gz"), ROOT.resolve("samples/example_seg.nii.gz"), null,
                    null, null, null, "supervision-" + UUID.randomUUID(), null, null, null, null));
            assertThat(submitted.outcome()).isEqualTo("ACCEPTED");
        } finally {
            pipeline.close();
        }
        long last = ingest.pid();
        Thread.sleep(2000); // longer than the first backoff
        assertThat(ProcessHandle.of(last).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ingest.pid()).as("not restarted after close").isEqualTo(last);
        assertThat(data.resolve(StackInfo.FILE)).doesNotExist();
    }

    private static boolean healthUp(String url) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(url + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("\"UP\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
