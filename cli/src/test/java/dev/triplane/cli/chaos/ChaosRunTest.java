package dev.triplane.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.cli.stack.ModelChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The shorter chaos schedule: a local pipeline with two axis-workers, three good scans and three bad ones, one
 * fault of each kind (a shorter S3 outage and pause than {@code benchmarks/run chaos}). Every scan must end, none
 * may be lost, and downstream must see each SegmentationReady and MetricsReady once.
 */
class ChaosRunTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void oneFaultOfEachKindLosesAndDuplicatesNothingAndEveryScanEnds() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "chaos");
        ChaosReport report = ChaosRun.run(new ChaosRun.Settings(ROOT, data, ModelChoice.of(ROOT, null), 3, 7, 1,
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(4)), System.out);
        report.print(System.out);

        assertThat(report.faults().keySet()).as("every kind injected").containsExactlyInAnyOrder(Fault.values());
        assertThat(report.lost()).isZero();
        assertThat(report.duplicatedDownstream()).isZero();
        assertThat(report.terminal()).isEqualTo(report.scans());
        assertThat(report.restarts()).as("the supervisor restarted the broker").containsEntry("kafka", 1);
    }
}
