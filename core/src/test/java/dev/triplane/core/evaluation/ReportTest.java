package dev.triplane.core.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.metrics.Hd95Profile;
import dev.triplane.core.metrics.StructureMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Table and CSV numbers from hand-made results, and a report page whose images all exist. */
class ReportTest {

    static final RunKey A_NP = new RunKey("a", "np", "axial");
    static final RunKey B_NP = new RunKey("b", "np", "axial");
    static final RunKey A_IS = new RunKey("a", "is", "axial");

    @TempDir
    Path dir;

    static StructureMetrics m(int id, String name, double dice, double hd95) {
        return new StructureMetrics(id, name, 10, 10, dice, dice / 2, hd95 + 1, hd95, 1, 1, Hd95Profile.values()[0],
                null);
    }

    /** np: Dice 0.6, 0.8 (a) and 0.7, 0.9 (b); HD95 2, 4, NaN, 6. is: one case, Dice 1.0 and 0.5. */
    private ResultStore results() throws IOException {
        ResultStore store = ResultStore.open(dir);
        store.append(new RunTiming(A_NP, 2.0, Double.NaN), List.of(m(1, "spleen", 0.6, 2), m(5, "liver", 0.8, 4)));
        store.append(new RunTiming(B_NP, 3.0, 0.5, 1.25),
                List.of(m(1, "spleen", 0.7, Double.NaN), m(5, "liver", 0.9, 6)));
        store.append(new RunTiming(A_IS, 1.5, 0.25, 0.5), List.of(m(1, "spleen", 1.0, 1), m(5, "liver", 0.5, 3)));
        return store;
    }

    @Test
    void tableHasPooledMeanAndPopulationStdAndSummedTimes() throws IOException {
        ResultStore store = results();
        AblationTable table = AblationTable.of(store.rows(), store.timings());
        AblationTable.Row np = table.rows().get(0);
        assertThat(np.preset()).isEqualTo("np");
        assertThat(np.cases()).isEqualTo(2);
        assertThat(np.metrics().structures()).isEqualTo(4);
        assertThat(np.metrics().dice().mean()).isCloseTo(0.75, within(1e-12));
        assertThat(np.metrics().dice().std()).isCloseTo(Math.sqrt(0.0125), within(1e-12));
        assertThat(np.metrics().hd95().mean()).isCloseTo(4.0, within(1e-12));
        assertThat(np.metrics().hd95().std()).isCloseTo(Math.sqrt(8.0 / 3), within(1e-12));
        assertThat(np.totalSeconds()).isEqualTo(5.0);
        assertThat(np.memoryAttentionSeconds()).isEqualTo(0.5);
        assertThat(np.imageEncoderSeconds()).isEqualTo(1.25);

        assertThat(table.markdown()).contains(
                "| np | axial | 2 | 4 | 0.750 ± 0.112 | 0.375 ± 0.056 | 5.00 ± 1.63 (1 NaN) | 4.00 ± 1.63 (1 NaN) "
                        + "| 5.00 | 0.50 | 1.25 |",
                "| is | axial | 1 | 2 | 0.750 ± 0.250 | 0.375 ± 0.125 | 3.00 ± 1.00 | 2.00 ± 1.00 "
                        + "| 1.50 | 0.25 | 0.50 |");
        assertThat(table.text().lines().toList()).hasSize(3);
        assertThat(table.text().lines().skip(1).findFirst().orElseThrow()).startsWith("np ").contains("0.750 ± 0.112");
    }

    @Test
    void perStructureAndPerCaseCsvHoldTheGroupedMeans() throws IOException {
        ResultStore store = results();
        Path structures = dir.resolve(ResultExports.PER_STRUCTURE);
        Path cases = dir.resolve(ResultExports.PER_CASE);
        ResultExports.perStructure(store.rows(), structures);
        ResultExports.perCase(store.rows(), store.timings(), cases);

        List<String> s = Files.readAllLines(structures);
        assertThat(s).hasSize(5);
        List<String> npSpleen = Csv.parse(s.get(1));
        assertThat(npSpleen.subList(0, 5)).containsExactly("np", "axial", "1", "spleen", "2");
        assertThat(Double.parseDouble(npSpleen.get(5))).isCloseTo(0.65, within(1e-12));
        assertThat(Double.parseDouble(npSpleen.get(6))).isCloseTo(0.05, within(1e-12));
        assertThat(npSpleen.get(11)).isEqualTo("2.0");

        List<String> c = Files.readAllLines(cases);
        assertThat(c).hasSize(4);
        List<String> aNp = Csv.parse(c.get(1));
        assertThat(aNp.subList(0, 4)).containsExactly("a", "np", "axial", "2");
        assertThat(Double.parseDouble(aNp.get(4))).isCloseTo(0.7, within(1e-12));
        assertThat(aNp.subList(12, 15)).containsExactly("2.0", "NaN", "NaN");
        assertThat(Csv.parse(c.get(2)).subList(12, 15)).containsExactly("3.0", "0.5", "1.25");
    }

    @Test
    void reportPageIsSelfContainedAndReferencesOnlyExistingFiles() throws IOException {
        ResultStore store = results();
        List<Path> overlays = SliceOverlaysTest.writeOverlays(dir.resolve("overlays"), "case a");
        Map<String, int[]> groups = new LinkedHashMap<>();
        groups.put("organs", new int[] {1, 5});
        groups.put("liver", new int[] {5});
        AblationTable table = RunReport.write(dir, "samples & co", store, groups, overlays);

        assertThat(table.rows()).hasSize(2);
        for (String f : List.of(RunReport.TABLE_TEXT, RunReport.TABLE_MARKDOWN, ResultExports.PER_CASE,
                ResultExports.PER_STRUCTURE, HtmlReport.FILE)) {
            assertThat(dir.resolve(f)).isRegularFile();
        }
        String html = Files.readString(dir.resolve(HtmlReport.FILE));
        assertThat(html).contains("<title>samples &amp; co</title>").doesNotContain("<script", "http:", "https:",
                "<link");
        assertThat(html.split("<svg", -1)).hasSize(1 + 2 * groups.size());
        Matcher refs = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
        List<String> sources = new ArrayList<>();
        while (refs.find()) {
            sources.add(refs.group(1));
        }
        assertThat(sources).hasSize(overlays.size()).allMatch(src -> src.startsWith("overlays/case%20a-"));
        for (String src : sources) {
            assertThat(dir.resolve(src.replace("%20", " "))).isRegularFile();
        }
    }
}
