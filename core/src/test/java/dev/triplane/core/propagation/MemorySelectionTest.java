package dev.triplane.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Frame by frame, which memories each preset attends on a 10-frame range prompted at frames 1 and 8: a
 * forward pass 1 -> 9, then a reverse pass 8 -> 0 that sees the forward pass's outputs. Row format:
 * {@code "<F|R> t | mask memories frame@tPos | object pointers frame:pos"}. The rows equal the official
 * {@code _prepare_memory_conditioned_features} (see {@code tools/fixtures/propagation_cases.py}).
 */
class MemorySelectionTest {

    private static final int[] COND = {1, 8};
    private static final int L = 10;

    @Test
    void baselineAttendsEveryPromptAndSixRecentFrames() {
        assertThat(passes("baseline")).containsExactly(
                "F 2 | 1@0 8@0 | 1:1",
                "F 3 | 1@0 8@0 2@6 | 1:2 2:1",
                "F 4 | 1@0 8@0 2@5 3@6 | 1:3 3:1 2:2",
                "F 5 | 1@0 8@0 2@4 3@5 4@6 | 1:4 4:1 3:2 2:3",
                "F 6 | 1@0 8@0 2@3 3@4 4@5 5@6 | 1:5 5:1 4:2 3:3 2:4",
                "F 7 | 1@0 8@0 2@2 3@3 4@4 5@5 6@6 | 1:6 6:1 5:2 4:3 3:4 2:5",
                "F 9 | 1@0 8@0 3@1 4@2 5@3 6@4 7@5 | 1:8 8:1 7:2 6:3 5:4 4:5 3:6 2:7",
                "R 7 | 1@0 8@0 9@5 | 8:1 9:2",
                "R 6 | 1@0 8@0 9@4 7@6 | 8:2 7:1 9:3",
                "R 5 | 1@0 8@0 9@3 7@5 6@6 | 8:3 6:1 7:2 9:4",
                "R 4 | 1@0 8@0 9@2 7@4 6@5 5@6 | 8:4 5:1 6:2 7:3 9:5",
                "R 3 | 1@0 8@0 9@1 7@3 6@4 5@5 4@6 | 8:5 4:1 5:2 6:3 7:4 9:6",
                "R 2 | 1@0 8@0 7@2 6@3 5@4 4@5 3@6 | 8:6 3:1 4:2 5:3 6:4 7:5 9:7",
                "R 0 | 1@0 8@0 6@1 5@2 4@3 3@4 2@5 | 1:1 8:8 2:2 3:3 4:4 5:5 6:6 7:7 9:9");
    }

    @Test
    void spsKeepsPromptsWithinTauOfTheRangeAndFiltersThemAsUnselected() {
        // tau 0.3 of L = 10: prompts at most 3 frames away; 1 returns as a recent frame and pointer when filtered
        assertThat(passes("sps")).containsExactly(
                "F 2 | 1@0 | 1:1",
                "F 3 | 1@0 2@6 | 1:2 2:1",
                "F 4 | 1@0 2@5 3@6 | 1:3 3:1 2:2",
                "F 5 | 8@0 1@3 2@4 3@5 4@6 | 4:1 3:2 2:3 1:4",
                "F 6 | 8@0 1@2 2@3 3@4 4@5 5@6 | 5:1 4:2 3:3 2:4 1:5",
                "F 7 | 8@0 1@1 2@2 3@3 4@4 5@5 6@6 | 6:1 5:2 4:3 3:4 2:5 1:6",
                "F 9 | 8@0 3@1 4@2 5@3 6@4 7@5 | 8:1 7:2 6:3 5:4 4:5 3:6 2:7 1:8",
                "R 7 | 8@0 9@5 | 8:1 9:2",
                "R 6 | 8@0 9@4 7@6 | 8:2 7:1 9:3",
                "R 5 | 8@0 9@3 7@5 6@6 | 8:3 6:1 7:2 9:4",
                "R 4 | 1@0 9@2 8@3 7@4 6@5 5@6 | 5:1 6:2 7:3 8:4 9:5",
                "R 3 | 1@0 9@1 8@2 7@3 6@4 5@5 4@6 | 4:1 5:2 6:3 7:4 8:5 9:6",
                "R 2 | 1@0 8@1 7@2 6@3 5@4 4@5 3@6 | 3:1 4:2 5:3 6:4 7:5 8:6 9:7",
                "R 0 | 1@0 6@1 5@2 4@3 3@4 2@5 | 1:1 2:2 3:3 4:4 5:5 6:6 7:7 8:8 9:9");
    }

    @Test
    void isKeepsTwoRecentFramesWithTheirTrainedSlots() {
        assertThat(passes("is")).containsExactly(
                "F 2 | 1@0 8@0 | 1:1",
                "F 3 | 1@0 8@0 2@6 | 1:2 2:1",
                "F 4 | 1@0 8@0 2@5 3@6 | 1:3 3:1 2:2",
                "F 5 | 1@0 8@0 3@5 4@6 | 1:4 4:1 3:2 2:3",
                "F 6 | 1@0 8@0 4@5 5@6 | 1:5 5:1 4:2 3:3 2:4",
                "F 7 | 1@0 8@0 5@5 6@6 | 1:6 6:1 5:2 4:3 3:4 2:5",
                "F 9 | 1@0 8@0 7@5 | 1:8 8:1 7:2 6:3 5:4 4:5 3:6 2:7",
                "R 7 | 1@0 8@0 9@5 | 8:1 9:2",
                "R 6 | 1@0 8@0 7@6 | 8:2 7:1 9:3",
                "R 5 | 1@0 8@0 7@5 6@6 | 8:3 6:1 7:2 9:4",
                "R 4 | 1@0 8@0 6@5 5@6 | 8:4 5:1 6:2 7:3 9:5",
                "R 3 | 1@0 8@0 5@5 4@6 | 8:5 4:1 5:2 6:3 7:4 9:6",
                "R 2 | 1@0 8@0 4@5 3@6 | 8:6 3:1 4:2 5:3 6:4 7:5 9:7",
                "R 0 | 1@0 8@0 2@5 | 1:1 8:8 2:2 3:3 4:4 5:5 6:6 7:7 9:9");
    }

    @Test
    void isPlusSpsCombinesBoth() {
        assertThat(passes("is+sps")).containsExactly(
                "F 2 | 1@0 | 1:1",
                "F 3 | 1@0 2@6 | 1:2 2:1",
                "F 4 | 1@0 2@5 3@6 | 1:3 3:1 2:2",
                "F 5 | 8@0 3@5 4@6 | 4:1 3:2 2:3 1:4",
                "F 6 | 8@0 4@5 5@6 | 5:1 4:2 3:3 2:4 1:5",
                "F 7 | 8@0 5@5 6@6 | 6:1 5:2 4:3 3:4 2:5 1:6",
                "F 9 | 8@0 7@5 | 8:1 7:2 6:3 5:4 4:5 3:6 2:7 1:8",
                "R 7 | 8@0 9@5 | 8:1 9:2",
                "R 6 | 8@0 7@6 | 8:2 7:1 9:3",
                "R 5 | 8@0 7@5 6@6 | 8:3 6:1 7:2 9:4",
                "R 4 | 1@0 6@5 5@6 | 5:1 6:2 7:3 8:4 9:5",
                "R 3 | 1@0 5@5 4@6 | 4:1 5:2 6:3 7:4 8:5 9:6",
                "R 2 | 1@0 4@5 3@6 | 3:1 4:2 5:3 6:4 7:5 8:6 9:7",
                "R 0 | 1@0 2@5 | 1:1 2:2 3:3 4:4 5:5 6:6 7:7 8:8 9:9");
    }

    @Test
    void npDoesNotPropagate() {
        assertThatThrownBy(() -> passes("np")).hasMessageContaining("np does not propagate");
    }

    @Test
    void nearestPromptsAreAllKeptOnATie() {
        // frame 5 is 4 frames from both prompts, beyond tau = 0.1 of L = 10
        MemorySelection s = MemorySelection.select(5, Direction.FORWARD, L, new int[] {1, 9}, new BitSet(),
                MemoryPolicy.parse("sps,tau=0.1"));
        assertThat(s.maskMemories()).containsExactly(new MemorySelection.MaskMemory(1, 0),
                new MemorySelection.MaskMemory(9, 0));
        assertThat(s.maskMemories().get(0).tposEncIndex()).isEqualTo(6);
    }

    @Test
    void refusesInconsistentInputs() {
        MemoryPolicy baseline = MemoryPolicy.parse("baseline");
        BitSet none = new BitSet();
        assertThatThrownBy(() -> MemorySelection.select(1, Direction.FORWARD, L, COND, none, baseline))
                .hasMessageContaining("conditioning frame");
        assertThatThrownBy(() -> MemorySelection.select(10, Direction.FORWARD, L, COND, none, baseline))
                .hasMessageContaining("outside 0..9");
        assertThatThrownBy(() -> MemorySelection.select(3, Direction.FORWARD, L, new int[] {8, 1}, none, baseline))
                .hasMessageContaining("ascending");
        assertThatThrownBy(() -> MemorySelection.select(3, Direction.FORWARD, L, new int[0], none, baseline))
                .hasMessageContaining("at least one");
        BitSet withCond = new BitSet();
        withCond.set(8);
        assertThatThrownBy(() -> MemorySelection.select(3, Direction.FORWARD, L, COND, withCond, baseline))
                .hasMessageContaining("8");
    }

    private static List<String> passes(String policySpec) {
        MemoryPolicy policy = MemoryPolicy.parse(policySpec);
        BitSet nonCond = new BitSet();
        List<String> rows = new ArrayList<>();
        for (int t = COND[0]; t < L; t++) {
            step(t, Direction.FORWARD, policy, nonCond, rows);
        }
        for (int t = COND[COND.length - 1]; t >= 0; t--) {
            step(t, Direction.REVERSE, policy, nonCond, rows);
        }
        return rows;
    }

    private static void step(int t, Direction direction, MemoryPolicy policy, BitSet nonCond, List<String> rows) {
        if (t == COND[0] || t == COND[1]) {
            return;
        }
        MemorySelection s = MemorySelection.select(t, direction, L, COND, nonCond, policy);
        StringBuilder row = new StringBuilder().append(direction.name().charAt(0)).append(' ').append(t).append(" |");
        s.maskMemories().forEach(m -> row.append(' ').append(m.frame()).append('@').append(m.tPos()));
        row.append(" |");
        s.objPtrs().forEach(p -> row.append(' ').append(p.frame()).append(':').append(p.pos()));
        rows.add(row.toString());
        nonCond.set(t);
    }
}
