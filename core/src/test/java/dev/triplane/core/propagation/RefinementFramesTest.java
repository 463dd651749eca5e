package dev.triplane.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Frame by frame, which tracked frames of a 10-frame range prompted at 1 and 8 become conditioning frames of the
 * next refinement run: the most confident per segment (0 | 2..7 | 9), confidence = mean logit over the mask.
 */
class RefinementFramesTest {

    private static final float ABSENT = LogitVolume.ABSENT;

    @Test
    void confidenceIsTheMeanLogitOverThePredictedMaskOfAPresentObject() {
        assertThat(RefinementFrames.confidence(new float[] {4, 2, -3, -8}, 1f)).isEqualTo(3.0);
        assertThat(RefinementFrames.confidence(new float[] {4, 2, -3, -8}, -0.5f)).isNaN();
        assertThat(RefinementFrames.confidence(new float[] {-1, -2, -3, -8}, 5f)).isNaN();
        assertThat(RefinementFrames.confidence(new float[] {ABSENT, ABSENT}, ABSENT)).isNaN();
    }

    @Test
    void theMostConfidentFrameOfEachSegmentIsChosenWithItsMask() {
        RefinementFrames r = new RefinementFrames(new int[] {1, 8});
        // forward pass 2..7, 9, then reverse 7..2, 0 (each reverse output offered too)
        assertThat(r.offer(2, new float[] {5, -1, -1, -1}, 2f)).isTrue();    // 5.0
        assertThat(r.offer(3, new float[] {3, 3, -1, -1}, 2f)).isFalse();    // 3.0
        assertThat(r.offer(4, new float[] {6, 8, -1, -1}, 2f)).isTrue();     // 7.0
        assertThat(r.offer(5, new float[] {9, 9, 9, -1}, -1f)).isFalse();    // absent: object score <= 0
        assertThat(r.offer(6, new float[] {7, 7, -1, -1}, 2f)).isFalse();    // 7.0, a tie keeps frame 4
        assertThat(r.offer(7, new float[] {-1, -1, -1, -1}, 2f)).isFalse();  // empty mask
        assertThat(r.offer(9, new float[] {1, -1, -1, -1}, 2f)).isTrue();    // 1.0, alone in its segment
        assertThat(r.offer(6, new float[] {-1, 8, 8, 8}, 2f)).isTrue();      // 8.0 from the reverse pass
        assertThat(r.offer(1, new float[] {99, 99, 99, 99}, 9f)).isFalse();  // a conditioning frame never
        assertThat(r.offer(0, new float[] {ABSENT, ABSENT, ABSENT, ABSENT}, ABSENT)).isFalse();
        assertThat(r.frames()).containsExactly(6, 9);
        assertThat(r.mask(6)).containsExactly(false, true, true, true);
        assertThat(r.mask(9)).containsExactly(true, false, false, false);
        assertThatThrownBy(() -> r.mask(4)).hasMessageContaining("not a chosen frame");
    }

    @Test
    void nothingPresentChoosesNothing() {
        RefinementFrames r = new RefinementFrames(new int[] {3});
        r.offer(2, new float[] {-5, -5}, -3f);
        r.offer(4, new float[] {ABSENT, ABSENT}, ABSENT);
        assertThat(r.frames()).isEmpty();
    }

    @Test
    void conditioningFramesMustBeAscending() {
        assertThatThrownBy(() -> new RefinementFrames(new int[] {8, 1})).hasMessageContaining("ascending");
        assertThatThrownBy(() -> new RefinementFrames(new int[0])).hasMessageContaining("at least one");
    }
}
