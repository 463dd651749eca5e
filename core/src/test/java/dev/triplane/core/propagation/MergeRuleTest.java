package dev.triplane.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Frame by frame, what the reverse pass's output does to a frame the forward pass already segmented, on a
 * 10-frame range prompted at frames 1 and 8 (forward visits 2..7 and 9, reverse 7..2 and 0; both: 2..7).
 */
class MergeRuleTest {

    private static final int[] COND = {1, 8};

    @Test
    void officialAlwaysKeepsTheReversePass() {
        assertThat(outcomes(MergeRule.LAST_PASS_WINS)).containsExactly(
                "2 REPLACE", "3 REPLACE", "4 REPLACE", "5 REPLACE", "6 REPLACE", "7 REPLACE");
    }

    @Test
    void nearestPromptKeepsThePassThatCameFromTheNearerPrompt() {
        // forward came from 1, reverse from 8: frames 2..4 are nearer 1, frames 5..7 nearer 8
        assertThat(outcomes(MergeRule.NEAREST_PROMPT)).containsExactly(
                "2 KEEP", "3 KEEP", "4 KEEP", "5 REPLACE", "6 REPLACE", "7 REPLACE");
    }

    @Test
    void nearestPromptGivesATieToTheLaterPassAndCountsEveryPromptOnItsSide() {
        assertThat(MergeRule.NEAREST_PROMPT.reverseOutcome(5, new int[] {1, 9})).isEqualTo(MergeRule.Outcome.REPLACE);
        // prompts 1, 3, 9: frame 5 is 2 after 3 (forward) and 4 before 9 (reverse)
        assertThat(MergeRule.NEAREST_PROMPT.reverseOutcome(5, new int[] {1, 3, 9})).isEqualTo(MergeRule.Outcome.KEEP);
        // no prompt before the frame: the forward pass came from nowhere near, the reverse one wins
        assertThat(MergeRule.NEAREST_PROMPT.reverseOutcome(2, new int[] {8})).isEqualTo(MergeRule.Outcome.REPLACE);
        assertThat(MergeRule.NEAREST_PROMPT.reverseOutcome(9, new int[] {1})).isEqualTo(MergeRule.Outcome.KEEP);
    }

    @Test
    void maxLogitMergesEveryFrame() {
        assertThat(outcomes(MergeRule.MAX_LOGIT)).containsOnly(
                "2 MAX", "3 MAX", "4 MAX", "5 MAX", "6 MAX", "7 MAX");
    }

    @Test
    void theRuleIsAPolicyParameter() {
        assertThat(MemoryPolicy.parse("is,merge=nearest-prompt").mergeRule()).isEqualTo(MergeRule.NEAREST_PROMPT);
        assertThat(MemoryPolicy.parse("baseline").mergeRule()).isEqualTo(MergeRule.LAST_PASS_WINS);
    }

    private static List<String> outcomes(MergeRule rule) {
        List<String> rows = new ArrayList<>();
        for (int t = COND[0] + 1; t < COND[1]; t++) {
            rows.add(t + " " + rule.reverseOutcome(t, COND));
        }
        return rows;
    }
}
