package dev.triplane.core.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.labels.ConnectedComponents.Connectivity;
import dev.triplane.core.volume.BinaryMask;
import dev.triplane.core.volume.Grid;
import org.junit.jupiter.api.Test;

class ConnectedComponentsTest {

    private final Grid grid = Grid.ofSpacing(4, 2, 2, 1, 1, 1);

    @Test
    void equalSizesKeepTheComponentSeenFirst() {
        boolean[] v = new boolean[grid.voxelCount()];
        v[grid.index(3, 0, 0)] = true;
        v[grid.index(3, 1, 0)] = true;
        v[grid.index(0, 0, 1)] = true;
        v[grid.index(1, 0, 1)] = true;
        ConnectedComponents cc = ConnectedComponents.of(new BinaryMask(grid, v), Connectivity.FACES);
        assertThat(cc.count()).isEqualTo(2);
        assertThat(cc.largestLabel()).isEqualTo(1);
        assertThat(cc.largestMask().voxels()[grid.index(3, 1, 0)]).isTrue();
        assertThat(cc.largestMask().count()).isEqualTo(2);
    }

    @Test
    void diagonalNeighboursJoinOnlyWithFullConnectivity() {
        boolean[] v = new boolean[grid.voxelCount()];
        v[grid.index(0, 0, 0)] = true;
        v[grid.index(1, 1, 1)] = true;
        BinaryMask mask = new BinaryMask(grid, v);
        assertThat(ConnectedComponents.of(mask, Connectivity.FACES).count()).isEqualTo(2);
        assertThat(ConnectedComponents.of(mask, Connectivity.FULL).count()).isEqualTo(1);
        assertThat(ConnectedComponents.largest(mask, Connectivity.FULL).count()).isEqualTo(2);
    }

    @Test
    void emptyMaskHasNoComponents() {
        ConnectedComponents cc = ConnectedComponents.of(new BinaryMask(grid, new boolean[16]), Connectivity.FULL);
        assertThat(cc.count()).isZero();
        assertThat(cc.largestLabel()).isZero();
        assertThat(cc.largestMask().count()).isZero();
    }
}
