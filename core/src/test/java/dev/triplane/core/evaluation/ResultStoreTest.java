package dev.triplane.core.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.metrics.Hd95Profile;
import dev.triplane.core.metrics.StructureMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run folder survives a kill mid-line: finished runs stay done, the interrupted one is run again. */
class ResultStoreTest {

    static final RunKey A_NP = new RunKey("a", "np", "axial");
    static final RunKey A_IS = new RunKey("a", "is+sps", "axial");
    static final RunKey B_NP = new RunKey("b", "np", "axial");

    @TempDir
    Path dir;

    static StructureMetrics metric(int id, String name, double dice, double hd95) {
        return new StructureMetrics(id, name, 10, 12, dice, dice / (2 - dice), hd95 * 2, hd95, 0.5, 0.9,
                Hd95Profile.values()[0], null);
    }

    @Test
    void valuesReadBackExactlyIncludingNaNAndQuotedText() throws IOException {
        ResultStore store = ResultStore.open(dir);
        StructureMetrics empty = new StructureMetrics(5, "liver", 0, 12, 0, 0, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Hd95Profile.values()[0], "prediction empty, \"surface\" metrics NaN");
        StructureMetrics exact = metric(1, "spleen", 0.1 + 0.2, 1.0 / 3);
        store.append(new RunTiming(A_NP, 1.25, Double.NaN, 0.75), List.of(exact, empty));

        ResultStore back = ResultStore.open(dir);
        assertThat(back.rows()).containsExactly(new ResultRow(A_NP, exact), new ResultRow(A_NP, empty));
        assertThat(back.timings()).containsExactly(new RunTiming(A_NP, 1.25, Double.NaN, 0.75));
        assertThat(back.isDone(A_NP)).isTrue();
        assertThat(back.isDone(A_IS)).isFalse();
    }

    @Test
    void killedMidLineRunContinuesWithOnlyTheUnfinishedRunRedone() throws IOException {
        ResultStore store = ResultStore.open(dir);
        store.append(new RunTiming(A_NP, 2.0, 0.5), List.of(metric(1, "spleen", 0.8, 3), metric(5, "liver", 0.9, 2)));
        // "kill": run A_IS wrote one full structure line and half of the next, and no runs.csv line
        Path structures = dir.resolve(ResultStore.STRUCTURES);
        Files.writeString(structures, "a,is+sps,axial,1,spleen,10,12,0.7,0.5,2.0,1.0,0.5,0.9,"
                + Hd95Profile.values()[0].id() + ",\na,is+sps,axial,5,li", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Files.writeString(dir.resolve(ResultStore.RUNS), "a,is+sps,ax", StandardOpenOption.APPEND);

        ResultStore resumed = ResultStore.open(dir);
        assertThat(resumed.isDone(A_NP)).isTrue();
        assertThat(resumed.isDone(A_IS)).isFalse();
        assertThat(resumed.rows()).hasSize(2).allMatch(r -> r.key().equals(A_NP));
        assertThat(Files.readAllLines(structures)).hasSize(3);
        assertThat(Files.readString(dir.resolve(ResultStore.RUNS))).endsWith("\n");

        resumed.append(new RunTiming(A_IS, 1.0, 0.2), List.of(metric(1, "spleen", 0.85, 2)));
        resumed.append(new RunTiming(B_NP, 3.0, Double.NaN), List.of(metric(1, "spleen", 0.6, 4)));
        ResultStore reopened = ResultStore.open(dir);
        assertThat(reopened.rows()).extracting(ResultRow::key).containsExactly(A_NP, A_NP, A_IS, B_NP);
        assertThat(reopened.timings()).extracting(RunTiming::key).containsExactly(A_NP, A_IS, B_NP);
        assertThat(Files.readAllLines(dir.resolve(ResultStore.RUNS))).hasSize(4);
    }

    @Test
    void aDoneRunCannotBeAppendedTwiceAndAForeignFileIsRefused() throws IOException {
        ResultStore store = ResultStore.open(dir);
        store.append(new RunTiming(A_NP, 2.0, 0.5), List.of(metric(1, "spleen", 0.8, 3)));
        assertThatThrownBy(() -> store.append(new RunTiming(A_NP, 2.0, 0.5), List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already");

        Files.writeString(dir.resolve(ResultStore.RUNS), "x,y\n1,2\n");
        assertThatThrownBy(() -> ResultStore.open(dir)).hasMessageContaining(dir.resolve(ResultStore.RUNS).toString());
    }
}
