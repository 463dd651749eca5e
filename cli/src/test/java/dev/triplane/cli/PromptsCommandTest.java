package dev.triplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptsCommandTest {

    private static final String SCAN = "../samples/example_ct_sm.nii.gz";

    @TempDir
    Path tmp;

    @Test
    void printsTheSlicesEachStructureIsPromptedOnPerAxis() {
        CliRun run = CliRun.of("prompts", "check", "../samples/prompts-example.json", "--image", SCAN);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("5\\s+liver\\s+axial\\s+15 \\(box\\), 25 \\(1 click, 1 background\\) of 0..29")
                .containsPattern("52\\s+aorta\\s+sagittal\\s+54 \\(mask of 18 px\\) of 0..121")
                .contains("OK: 2 structures will run on axial, coronal, sagittal");
    }

    @Test
    void readsSlicerMarkupsInLpsMillimetres() {
        CliRun run = CliRun.of("prompts", "check", "../samples/example_ct_sm.mrk.json", "--image", SCAN);

        assertThat(run.exitCode()).as(run.err()).isZero();
        // the liver click at LPS (-65.04, -185.32, 151.3) mm is voxel (81, 58, 19) of the sample
        assertThat(run.out()).containsPattern("5\\s+liver\\s+axial\\s+19 \\(1 click\\)")
                .containsPattern("5\\s+liver\\s+coronal\\s+58 \\(1 click\\)")
                .containsPattern("5\\s+liver\\s+sagittal\\s+81 \\(1 click\\)")
                .contains("OK: 3 structures");
    }

    @Test
    void aStructureNoRequestedAxisPromptsOrABadFileExitsWithIngestsReason() throws IOException {
        Path half = Files.writeString(tmp.resolve("half.json"), "{\"prompts\": [{\"structure\": \"liver\","
                + " \"axis\": \"axial\", \"slice\": 15, \"box\": [45, 26, 104, 84]}]}");
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"version\": 2, \"space\": \"LPS\", \"prompts\":"
                + " [{\"structure\": \"liver\", \"points\": [{\"x\": 900, \"y\": 0, \"z\": 0, \"label\": 1}]}]}");

        CliRun halfRun = CliRun.of("prompts", "check", half.toString(), "--image", SCAN);
        CliRun nowhere = CliRun.of("prompts", "check", half.toString(), "--image", SCAN, "--axes", "coronal,sagittal");
        CliRun axialOnly = CliRun.of("prompts", "check", half.toString(), "--image", SCAN, "--axes", "axial");
        CliRun badRun = CliRun.of("prompts", "check", bad.toString(), "--image", SCAN);

        assertThat(halfRun.exitCode()).as("a cascade derives the other axes").isZero();
        assertThat(halfRun.out()).contains("two stages: liver (5) has no prompt on coronal, sagittal; these are"
                + " derived from the fusion of the prompted axes");
        assertThat(nowhere.exitCode()).isEqualTo(3);
        assertThat(nowhere.err()).contains("UNPROMPTED_AXIS: liver (5) has no prompt on coronal, sagittal");
        assertThat(axialOnly.exitCode()).isZero();
        assertThat(axialOnly.out()).doesNotContain("two stages");
        assertThat(badRun.exitCode()).isEqualTo(3);
        assertThat(badRun.err()).contains("BAD_PROMPTS: ").contains("prompts[0].points[0]: the point lies outside");
    }
}
