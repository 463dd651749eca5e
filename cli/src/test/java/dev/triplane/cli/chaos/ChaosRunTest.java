package dev.triplane.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.cli.stack.ModelChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The shorter chaos schedule: a local pipeline with two axis-workers, five good scans (one through each fault point) and three bad ones, one
 * fault of each kind (a shorter S3 outage and pause than {@code benchmarks/run chaos}). Every scan must end, none
 * may be lost, and downstream must see each SegmentationReady and MetricsReady once. It is also the supervisor's
 * test under load: every service and the broker killed with SIGKILL came back (the scans after each kill
 * complete), and closing the pipeline restarted nothing.
 */
class ChaosRunTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void oneFaultOfEachKindLosesAndDuplicatesNothingAndEveryScanEnds() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "chaos");
        ChaosReport report = ChaosRun.run(new ChaosRun.Settings(ROOT, data, ModelChoice.of(ROOT, null), 5, 7, 1,
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(4)), System.out);
        report.print(System.out);

        assertThat(report.faults().keySet()).as("every kind injected").containsExactlyInAnyOrder(Fault.values());
        assertThat(report.lost()).isZero();
        assertThat(report.duplicatedDownstream()).isZero();
        assertThat(report.duplicated()).as("a bad scan's error once, across the ingest kill").isZero();
        assertThat(report.orphans()).isEmpty();
        assertThat(report.terminal()).isEqualTo(report.scans());
        assertThat(report.restarts()).as("restarted by the supervisor").containsEntry("kafka", 1)
                .containsEntry("ingest-service", 1).containsEntry("fusion-service", 2)
                .containsEntry("metrics-service", 1).containsEntry("s3", 0);
        assertThat(report.restarts().get("axis-worker") + report.restarts().get("axis-worker-2")).isEqualTo(1);
        assertThat(report.aliveAfterStop()).as("a clean stop restarts nothing").isZero();
    }
}
