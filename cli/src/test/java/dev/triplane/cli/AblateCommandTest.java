package dev.triplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code triplane ablate} in-process on the sample with the micro model (random weights: the scores mean nothing). */
class AblateCommandTest {

    private static final String DATA = "../samples";
    private static final String MODEL = "../models/sam2-micro";
    private static final String STRUCTURES = "liver,vertebrae_L1";

    @TempDir
    Path tmp;

    private static CliRun ablate(Path out, String presets, String axes, String... more) {
        return ablateOn(DATA, out, presets, axes, more);
    }

    private static CliRun ablateOn(String data, Path out, String presets, String axes, String... more) {
        List<String> args = new ArrayList<>(List.of("ablate", "--data", data, "--model", MODEL, "--structures",
                STRUCTURES, "--presets", presets, "--axes", axes, "--threads", "2", "--out", out.toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** A result line's fields (no field of these lines is quoted). */
    private static List<String> fields(String line) {
        return List.of(line.split(",", -1));
    }

    @Test
    void everyPresetRunsEndToEndAndTheReportHasARowPerPreset() throws IOException {
        Path out = tmp.resolve("run");
        CliRun r = ablate(out, "np,baseline,sps,is,is+sps", "axial");
        assertThat(r.exitCode()).as(r.err()).isZero();
        for (String preset : List.of("np", "baseline", "sps", "is", "is+sps")) {
            assertThat(r.out()).containsPattern("(?m)^" + Pattern.quote(preset) + " +axial +1 +2 ");
            assertThat(Files.readString(out.resolve("table.md"))).contains("| " + preset + " | axial | 1 | 2 |");
        }
        assertThat(r.out()).contains("IS vs Baseline (axial): memory attention");
        for (String f : List.of("table.txt", "table.md", "per-case.csv", "per-structure.csv", "structures.csv",
                "runs.csv", "report.html")) {
            assertThat(out.resolve(f)).isRegularFile();
        }
        List<String> runs = Files.readAllLines(out.resolve("runs.csv"));
        assertThat(runs).hasSize(6);
        for (String line : runs.subList(1, runs.size())) {
            List<String> f = fields(line);
            double memoryAttention = Double.parseDouble(f.get(4));
            // NP propagates nothing: no memory attention at all; every other preset attends memories
            assertThat(memoryAttention).as(line).matches(s -> f.get(1).equals("np") ? s == 0 : s > 0);
            assertThat(Double.parseDouble(f.get(5))).as(line).isPositive();
        }
        assertThat(Files.readAllLines(out.resolve("structures.csv"))).hasSize(1 + 5 * 2);
        String html = Files.readString(out.resolve("report.html"));
        Matcher images = Pattern.compile("src=\"(overlays/[^\"]+\\.png)\"").matcher(html);
        int count = 0;
        while (images.find()) {
            assertThat(out.resolve(images.group(1))).isRegularFile();
            count++;
        }
        assertThat(count).isEqualTo(5 * 3 * 3);
    }

    @Test
    void maskPromptsOnEverySliceReproduceTheReferenceThroughFusion() throws IOException {
        // NP with the label slice as a mask prompt on every slice of the extent: the engine outputs the mask itself
        // (no learned weights involved), so Dice near 1 proves prompts, reorientation, fusion and scoring line up
        Path out = tmp.resolve("masks");
        CliRun r = ablate(out, "np", "all", "--prompts", "mask", "--budget", "200");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> rows = Files.readAllLines(out.resolve("structures.csv"));
        assertThat(rows).hasSize(3);
        for (String row : rows.subList(1, rows.size())) {
            assertThat(Double.parseDouble(fields(row).get(7))).as(row).isGreaterThan(0.9);
        }
    }

    @Test
    void aSecondInvocationResumesAndRunsOnlyWhatIsMissing() throws IOException {
        Path out = tmp.resolve("resume");
        CliRun first = ablate(out, "baseline,is", "all");
        assertThat(first.exitCode()).as(first.err()).isZero();
        Path runs = out.resolve("runs.csv");
        String runsBefore = Files.readString(runs);
        assertThat(runsBefore.lines()).hasSize(3);

        CliRun again = ablate(out, "baseline,is", "all");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(Files.readString(runs)).isEqualTo(runsBefore);
        assertThat(again.err()).contains("example baseline all: done before, skipped",
                "example is all: done before, skipped").doesNotContain("structures in");
        assertThat(again.out()).containsPattern("(?m)^baseline +all +1 +2 ").containsPattern("(?m)^is +all +1 +2 ");

        // a run killed before its timing line was written: only that run is done again
        List<String> lines = new ArrayList<>(runsBefore.lines().toList());
        Files.writeString(runs, String.join("\n", lines.subList(0, 2)) + "\n" + lines.get(2).substring(0, 12));
        CliRun resumed = ablate(out, "baseline,is", "all");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err())
                .contains("example baseline all: done before, skipped", "example is all: 2 structures in");
        assertThat(Files.readAllLines(runs)).hasSize(3);
        assertThat(Files.readAllLines(out.resolve("structures.csv"))).hasSize(1 + 2 * 2);
    }

    @Test
    void badInputGivesAClearError() {
        CliRun missing = ablateOn(tmp.resolve("nowhere").toString(), tmp.resolve("x"), "baseline", "axial");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("triplane ablate: dataset folder").contains("nowhere")
                .contains("does not exist");

        CliRun empty = ablateOn(tmp.toString(), tmp.resolve("y"), "baseline", "axial");
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains("is not a dataset");

        CliRun preset = ablate(tmp.resolve("z"), "baseline,fast", "axial");
        assertThat(preset.exitCode()).isEqualTo(2);
        assertThat(preset.err()).contains("unknown policy preset 'fast'");

        CliRun pipeline = ablate(tmp.resolve("p"), "baseline", "axial", "--through-pipeline", "--stack",
                tmp.resolve("no-stack").toString());
        assertThat(pipeline.exitCode()).isEqualTo(1);
        assertThat(pipeline.err()).contains("no running pipeline").contains("stack.json is missing");
    }
}
