package dev.triplane.core.geometry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.volume.Grid;
import org.junit.jupiter.api.Test;

class AxisFramesTest {

    private final Grid grid = Grid.ofSpacing(4, 3, 2, 1, 1, 1);

    /** Voxel value encodes its coordinates: 100 i + 10 j + k. */
    private float[] coded() {
        float[] v = new float[grid.voxelCount()];
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < 4; i++) {
                    v[grid.index(i, j, k)] = 100 * i + 10 * j + k;
                }
            }
        }
        return v;
    }

    @Test
    void axialFramesRunIThenJ() {
        AxisFrames frames = new AxisFrames(grid, Axis.AXIAL);
        assertThat(new int[] {frames.frameCount(), frames.frameWidth(), frames.frameHeight()})
                .containsExactly(2, 4, 3);
        float[] f = new float[frames.frameSize()];
        frames.copyFrame(coded(), 1, f);
        assertThat(f).containsExactly(1, 101, 201, 301, 11, 111, 211, 311, 21, 121, 221, 321);
    }

    @Test
    void coronalFramesRunIThenK() {
        AxisFrames frames = new AxisFrames(grid, Axis.CORONAL);
        assertThat(new int[] {frames.frameCount(), frames.frameWidth(), frames.frameHeight()})
                .containsExactly(3, 4, 2);
        float[] f = new float[frames.frameSize()];
        frames.copyFrame(coded(), 2, f);
        assertThat(f).containsExactly(20, 120, 220, 320, 21, 121, 221, 321);
    }

    @Test
    void sagittalFramesRunJThenK() {
        AxisFrames frames = new AxisFrames(grid, Axis.SAGITTAL);
        assertThat(new int[] {frames.frameCount(), frames.frameWidth(), frames.frameHeight()})
                .containsExactly(4, 3, 2);
        int[] labels = new int[grid.voxelCount()];
        float[] c = coded();
        for (int v = 0; v < labels.length; v++) {
            labels[v] = (int) c[v];
        }
        int[] f = new int[frames.frameSize()];
        frames.copyFrame(labels, 3, f);
        assertThat(f).containsExactly(300, 310, 320, 301, 311, 321);
    }

    @Test
    void putFrameAssemblesTheVolumeBack() {
        float[] source = coded();
        for (Axis axis : Axis.values()) {
            AxisFrames frames = new AxisFrames(grid, axis);
            float[] rebuilt = new float[source.length];
            boolean[] touched = new boolean[source.length];
            float[] f = new float[frames.frameSize()];
            boolean[] ones = new boolean[frames.frameSize()];
            java.util.Arrays.fill(ones, true);
            for (int t = 0; t < frames.frameCount(); t++) {
                frames.copyFrame(source, t, f);
                frames.putFrame(f, t, rebuilt);
                frames.putFrame(ones, t, touched);
            }
            assertThat(rebuilt).as(axis.id()).containsExactly(source);
            assertThat(touched).doesNotContain(false);
        }
    }

    @Test
    void rejectsFramesOutOfRange() {
        AxisFrames frames = new AxisFrames(grid, Axis.CORONAL);
        assertThatThrownBy(() -> frames.copyFrame(coded(), 3, new float[8]))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("coronal frame 3");
        assertThatThrownBy(() -> frames.copyFrame(coded(), 0, new float[9]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesAxisNames() {
        assertThat(Axis.parse(" Sagittal")).isEqualTo(Axis.SAGITTAL);
        assertThat(new int[] {Axis.AXIAL.arrayAxis(), Axis.CORONAL.arrayAxis(), Axis.SAGITTAL.arrayAxis()})
                .containsExactly(2, 1, 0);
        assertThatThrownBy(() -> Axis.parse("oblique")).hasMessageContaining("oblique");
    }
}
