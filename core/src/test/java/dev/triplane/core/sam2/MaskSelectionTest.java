package dev.triplane.core.sam2;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** docs/method.md §2 item 5: multimask choice, the stability fallback, -1024 and no_obj_ptr for absent objects. */
class MaskSelectionTest {

    private static final Sam2Config CONFIG = MemoryTokensTest.CONFIG;
    private static final Sam2Constants CONSTANTS = MemoryTokensTest.constants();
    private static final int T = CONFIG.numMaskTokens();
    private static final int PLANE = CONFIG.lowResSize() * CONFIG.lowResSize();
    private static final int C = CONFIG.hiddenDim();

    private final MaskSelection selection = new MaskSelection(CONFIG, CONSTANTS);

    /** Token k's mask is all {@code masks[k]}, its pointer all k. */
    private static SamHeads.Output raw(float[] masks, float[] ious, float score) {
        float[] low = new float[T * PLANE];
        float[] ptrs = new float[T * C];
        for (int k = 0; k < T; k++) {
            Arrays.fill(low, k * PLANE, (k + 1) * PLANE, masks[k]);
            Arrays.fill(ptrs, k * C, (k + 1) * C, k);
        }
        return new SamHeads.Output(low, ious, ptrs, score);
    }

    @Test
    void multimaskTakesTheBestMultimaskTokenNeverTokenZeroAndItsPointer() {
        FrameOutput out = selection.select(raw(new float[] {1, 2, 3, 4}, new float[] {0.99f, 0.1f, 0.2f, 0.9f}, 1f),
                true);
        assertThat(out.chosenMask()).isEqualTo(3);
        assertThat(out.lowResLogits()).containsOnly(4f);
        assertThat(out.objPtr()).containsOnly(3f);
        FrameOutput tie = selection.select(raw(new float[] {1, 2, 3, 4}, new float[] {0f, 0.5f, 0.5f, 0.5f}, 1f),
                true);
        assertThat(tie.chosenMask()).isEqualTo(1);
    }

    @Test
    void singleMaskKeepsTokenZeroWhenStable() {
        FrameOutput out = selection.select(raw(new float[] {5, 2, 3, 4}, new float[] {0f, 0.1f, 0.9f, 0.2f}, 1f),
                false);
        assertThat(out.chosenMask()).isZero();
        assertThat(out.lowResLogits()).containsOnly(5f);
        assertThat(out.objPtr()).containsOnly(0f);
    }

    @Test
    void unstableSingleMaskFallsBackToTheBestMultimaskButKeepsPointerZero() {
        SamHeads.Output r = raw(new float[] {5, 2, 3, 4}, new float[] {0f, 0.1f, 0.9f, 0.2f}, 1f);
        // logits between -delta and +delta on 3% of the pixels: stability 0.97 < 0.98
        int unstable = (int) Math.ceil(0.03 * PLANE);
        Arrays.fill(r.lowResMasks(), 0, unstable, 0.01f);
        assertThat(selection.stability(r.lowResMasks())).isLessThan(0.98f);
        FrameOutput out = selection.select(r, false);
        assertThat(out.chosenMask()).isEqualTo(2);
        assertThat(out.lowResLogits()).containsOnly(3f);
        assertThat(out.objPtr()).containsOnly(0f);
        // nothing above -delta: stability 1, token 0 kept
        float[] negative = new float[T * PLANE];
        Arrays.fill(negative, -5f);
        assertThat(selection.stability(negative)).isEqualTo(1f);
    }

    @Test
    void absentObjectGetsNoObjScoreEverywhereAndTheNoObjectPointer() {
        for (float score : new float[] {0f, -3f}) {
            FrameOutput out = selection.select(raw(new float[] {5, 2, 3, 4}, new float[] {0f, 0.1f, 0.9f, 0.2f},
                    score), true);
            assertThat(out.lowResLogits()).containsOnly(MaskSelection.NO_OBJ_SCORE);
            assertThat(out.objPtr()).containsExactly(CONSTANTS.noObjPtr());
            assertThat(out.objectScore()).isEqualTo(score);
        }
    }
}
