package dev.triplane.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.volume.Grid;
import org.junit.jupiter.api.Test;

/** The max-logit merge of a frame in its float16 store (the axis step's sink under {@code merge=max-logit}). */
class LogitVolumeTest {

    @Test
    void maxFrameKeepsThePerPixelMaxAndLeavesOtherFramesAlone() {
        // axial frames of a 2 x 2 x 3 grid: 4 pixels each
        LogitVolume v = new LogitVolume(Grid.ofSpacing(2, 2, 3, 1, 1, 1), Axis.AXIAL, new int[] {5}, new int[] {0},
                new int[] {2});
        v.putFrame(0, 1, new float[] {-3f, 2.5f, LogitVolume.ABSENT, 7f});
        v.putFrame(0, 2, new float[] {1f, 1f, 1f, 1f});
        v.maxFrame(0, 1, new float[] {-1f, 0.5f, -10f, 7.25f});
        float[] frame = new float[4];
        v.copyFrame(0, 1, frame);
        assertThat(frame).containsExactly(-1f, 2.5f, -10f, 7.25f);
        v.copyFrame(0, 2, frame);
        assertThat(frame).containsExactly(1f, 1f, 1f, 1f);
        v.maxFrame(0, 0, new float[] {4f, 4f, 4f, 4f});
        v.copyFrame(0, 0, frame);
        assertThat(frame).containsExactly(4f, 4f, 4f, 4f);
        assertThatThrownBy(() -> v.maxFrame(0, 3, frame)).hasMessageContaining("outside the frames");
    }

    @Test
    void oneArrayServesStructureAfterStructureWithNothingLeftOver() {
        // axial frames of a 2 x 2 x 3 grid; structure 5 on frames 0..2, structure 7 on frame 1 only
        LogitVolume v = new LogitVolume(Grid.ofSpacing(2, 2, 3, 1, 1, 1), Axis.AXIAL, new int[] {5, 7},
                new int[] {0, 1}, new int[] {2, 1});
        for (int t = 0; t < 3; t++) {
            v.putFrame(0, t, new float[] {t, t + 1, t + 2, t + 3});
        }
        v.putFrame(1, 1, new float[] {-1, -2, -3, -4});

        float[] shared = v.toVolume(0, new float[12]);
        assertThat(shared).containsExactly(v.toVolume(0));
        assertThat(v.toVolume(1, shared)).isSameAs(shared);
        float a = LogitVolume.ABSENT;
        assertThat(shared).containsExactly(a, a, a, a, -1, -2, -3, -4, a, a, a, a);
        assertThatThrownBy(() -> v.toVolume(0, new float[11])).isInstanceOf(IllegalArgumentException.class);
    }
}
