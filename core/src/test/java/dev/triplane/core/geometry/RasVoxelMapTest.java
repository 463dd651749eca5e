package dev.triplane.core.geometry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.volume.Grid;
import org.junit.jupiter.api.Test;

class RasVoxelMapTest {

    /**
     * An LPS-stored grid (i towards left, j towards posterior) tilted 10 degrees about the z axis, 2 x 1.5 x 4 mm:
     * its RAS+ reorientation flips i and j, and the tilt keeps world and voxel axes from lining up.
     */
    private static final double C = Math.cos(Math.toRadians(10));
    private static final double S = Math.sin(Math.toRadians(10));
    private static final Grid OBLIQUE_LPS = new Grid(20, 30, 10, new double[] {2, 1.5, 4}, new double[] {
            -2 * C, 1.5 * S, 0, 40,
            -2 * S, -1.5 * C, 0, 25,
            0, 0, 4, -18,
            0, 0, 0, 1});

    /** A grid stored as PIR (i towards posterior, j towards inferior, k towards right): a permutation and flips. */
    private static final Grid PIR = new Grid(16, 12, 8, new double[] {1, 2, 3}, new double[] {
            0, 0, 3, -10,
            -1, 0, 0, 20,
            0, -2, 0, 30,
            0, 0, 0, 1});

    @Test
    void inputVoxelsMapToTheirReorientedIndices() {
        for (Grid grid : new Grid[] {OBLIQUE_LPS, PIR}) {
            RasVoxelMap map = new RasVoxelMap(grid);
            // mark voxel (3, 5, 7) and find it after the reorientation: the map must land on the same voxel
            float[] volume = new float[grid.voxelCount()];
            volume[grid.index(3, 5, 7)] = 1;
            Reorientation toRas = Reorientation.toRas(grid);
            float[] ras = toRas.forward(volume);
            Grid target = toRas.target();
            int marked = 0;
            while (ras[marked] != 1) {
                marked++;
            }
            double[] v = map.fromInputVoxel(3, 5, 7);
            assertThat(v[0]).isCloseTo(marked % target.nx(), within(1e-9));
            assertThat(v[1]).isCloseTo((marked / target.nx()) % target.ny(), within(1e-9));
            assertThat(v[2]).isCloseTo(marked / (target.nx() * target.ny()), within(1e-9));
            assertThat(map.ras()).isEqualTo(target);
        }
    }

    @Test
    void worldPositionsInRasAndLpsMapThroughTheAffine() {
        RasVoxelMap map = new RasVoxelMap(OBLIQUE_LPS);
        double[] a = OBLIQUE_LPS.affine();
        // world of input voxel (4.5, 10, 3) by the input's own affine
        double[] world = new double[3];
        for (int r = 0; r < 3; r++) {
            world[r] = a[4 * r] * 4.5 + a[4 * r + 1] * 10 + a[4 * r + 2] * 3 + a[4 * r + 3];
        }
        double[] expected = map.fromInputVoxel(4.5, 10, 3);
        assertThat(map.fromRasWorld(world[0], world[1], world[2])).containsExactly(expected, within(1e-9));
        assertThat(map.fromLpsWorld(-world[0], -world[1], world[2])).containsExactly(expected, within(1e-9));
        // flipped i and j: input i = 4.5 is RAS+ i = 19 - 4.5; j = 10 is 29 - 10; k unchanged
        assertThat(expected).containsExactly(new double[] {14.5, 19, 3}, within(1e-9));
    }
}
