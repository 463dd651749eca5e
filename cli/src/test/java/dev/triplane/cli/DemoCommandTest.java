package dev.triplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code triplane demo} in this JVM: its own local stack, the four service jars, the samples through the inbox,
 * the metrics table at the end (the reactor packages the four service jars before cli's tests).
 */
class DemoCommandTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void demoPrintsTheMetricsTableResultsAndTimings() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "demo");
        CliRun run = CliRun.of("demo", "--stack-dir", data.toString(), "--timeout", "PT15M");

        assertThat(run.exitCode()).as(run.out() + "\n" + run.err()).isZero();
        assertThat(run.out())
                .contains("SAM2 model: sam2-micro")
                .contains("dropped s3://triplane/inbox/demo/example_ct_sm.nii.gz")
                .containsPattern("SEGMENTING .* axial \\d+/\\d+")
                .containsPattern("id +structure +pred vox +ref vox +Dice +IoU +HD mm +HD95 mm +ASSD mm +NSD")
                .containsPattern("\\d+ structures, mean ± std")
                .contains("results/")
                .contains("segmentation.nii.gz", "uncertainty.nii.gz", "metrics.json")
                .containsPattern("end to end \\(image dropped -> metrics received\\): [0-9.]+ s")
                .containsPattern("outside the engine's compute: [0-9.]+ s = [0-9.]+%");
        assertThat(data.resolve("stack.json")).as("removed when the demo stops the stack").doesNotExist();
    }
}
