package dev.triplane.core.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.propagation.AxisLogits;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.core.volume.VoxelBox;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticLogitsTest {

    @TempDir
    Path spill;

    @Test
    void positiveInsideAndBelowTheFloorTenMillimetresOutside() throws IOException {
        // 1 x 1 x 2 mm voxels; structure 3 is a 4 x 4 x 3 block at i, j 10..13, k 5..7
        Grid grid = Grid.ofSpacing(40, 40, 16, 1, 1, 2);
        int[] labels = new int[grid.voxelCount()];
        for (int k = 5; k <= 7; k++) {
            for (int j = 10; j <= 13; j++) {
                for (int i = 10; i <= 13; i++) {
                    labels[grid.index(i, j, k)] = 3;
                }
            }
        }
        LabelVolume ras = new LabelVolume(grid, labels);
        try (LogitVolume axial = SyntheticLogits.fromLabels(ras, new int[] {3, 4}, Axis.AXIAL, spill);
             LogitVolume coronal = SyntheticLogits.fromLabels(ras, new int[] {3, 4}, Axis.CORONAL, spill)) {
            assertThat(axial.first(0)).isEqualTo(5);
            assertThat(axial.last(0)).isEqualTo(7);
            assertThat(axial.last(1)).as("structure 4 is nowhere").isEqualTo(axial.first(1) - 1);
            float[] volume = axial.toVolume(0);
            assertThat(volume[grid.index(11, 11, 6)]).isEqualTo(SyntheticLogits.INSIDE);
            // 5 mm outside along i: 8 - 4 * 5
            assertThat(volume[grid.index(18, 11, 6)]).isEqualTo(-12f);
            assertThat(volume[grid.index(24, 11, 6)]).isLessThanOrEqualTo(AxisLogits.FLOOR);
            assertThat(volume[grid.index(11, 11, 9)]).as("a frame without it").isEqualTo(AxisLogits.ABSENT);
            // what is kept: the block and about 10 mm around it in plane, on its own frames only
            assertThat(axial.extent(0)).isEqualTo(new VoxelBox(1, 1, 5, 22, 22, 7));
            assertThat(coronal.extent(0)).isEqualTo(new VoxelBox(1, 10, 1, 22, 13, 11));
        }
    }
}
