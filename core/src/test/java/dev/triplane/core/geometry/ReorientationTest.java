package dev.triplane.core.geometry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReorientationTest {

    /** i -> P (flipped), j -> S, k -> L (flipped): every axis moves and two flip. */
    private static Grid pslGrid(int nx, int ny, int nz) {
        double[] affine = {0, 0, -2, 50, -1, 0, 0, 60, 0, 3, 0, -70, 0, 0, 0, 1};
        return new Grid(nx, ny, nz, new double[] {1, 3, 2}, affine);
    }

    @Test
    void roundTripIsBitwiseForLargeVolumesInParallel() {
        Grid grid = pslGrid(67, 45, 101);
        Reorientation r = Reorientation.toRas(grid);
        assertThat(r.target().shape()).containsExactly(101, 67, 45);
        float[] data = new float[grid.voxelCount()];
        Random random = new Random(1);
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat() * 2000 - 1000;
        }
        data[17] = Float.NaN;
        data[18] = -0.0f;
        float[] back = new float[data.length];
        r.inverse(r.forward(data), back);
        for (int i = 0; i < data.length; i++) {
            assertThat(Float.floatToRawIntBits(back[i])).isEqualTo(Float.floatToRawIntBits(data[i]));
        }
    }

    @Test
    void forwardPlacesVoxelsWhereTheAffineSaysTheyAre() {
        Grid grid = pslGrid(4, 5, 6);
        Reorientation r = Reorientation.toRas(grid);
        int[] index = new int[grid.voxelCount()];
        for (int v = 0; v < index.length; v++) {
            index[v] = v;
        }
        int[] moved = r.forward(index);
        double[] a = grid.affine();
        double[] b = r.target().affine();
        Grid t = r.target();
        for (int k = 0; k < t.nz(); k++) {
            for (int j = 0; j < t.ny(); j++) {
                for (int i = 0; i < t.nx(); i++) {
                    int src = moved[t.index(i, j, k)];
                    int si = src % grid.nx();
                    int sj = (src / grid.nx()) % grid.ny();
                    int sk = src / (grid.nx() * grid.ny());
                    for (int row = 0; row < 3; row++) {
                        double world = a[4 * row] * si + a[4 * row + 1] * sj + a[4 * row + 2] * sk + a[4 * row + 3];
                        double canon = b[4 * row] * i + b[4 * row + 1] * j + b[4 * row + 2] * k + b[4 * row + 3];
                        assertThat(canon).isEqualTo(world);
                    }
                }
            }
        }
    }

    @Test
    void labelVolumesAndBooleansRoundTrip() {
        Grid grid = pslGrid(3, 4, 5);
        Reorientation r = Reorientation.toRas(grid);
        int[] labels = new int[grid.voxelCount()];
        boolean[] mask = new boolean[grid.voxelCount()];
        for (int v = 0; v < labels.length; v++) {
            labels[v] = v % 7;
            mask[v] = v % 3 == 0;
        }
        LabelVolume ras = r.forward(new LabelVolume(grid, labels));
        assertThat(ras.grid()).isEqualTo(r.target());
        assertThat(r.inverse(ras).labels()).containsExactly(labels);
        assertThat(r.inverse(r.forward(mask))).containsExactly(mask);
    }

    @Test
    void rasGridIsUnchanged() {
        Grid grid = Grid.ofSpacing(3, 2, 2, 1, 2, 3);
        Reorientation r = Reorientation.toRas(grid);
        assertThat(r.isIdentity()).isTrue();
        assertThat(r.target()).isEqualTo(grid);
        float[] data = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        assertThat(r.forward(data)).containsExactly(data);
    }

    @Test
    void refusesWrongLengthsAndInPlace() {
        Reorientation r = Reorientation.toRas(pslGrid(2, 2, 2));
        float[] data = new float[8];
        assertThatThrownBy(() -> r.forward(new float[7])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.forward(data, data)).isInstanceOf(IllegalArgumentException.class);
    }
}
