package dev.triplane.core.metrics;

import dev.triplane.core.events.Reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.volume.BinaryMask;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentationMetricsTest {

    private static final MetricOptions OPTIONS = MetricOptions.defaults();

    @Test
    void percentileInterpolatesLikeNumpy() {
        // Expected values are numpy.percentile(..., 95) outputs.
        assertThat(SegmentationMetrics.percentile(new double[] {1, 2, 3, 4}, 95)).isEqualTo(3.8499999999999996);
        assertThat(SegmentationMetrics.percentile(new double[] {0, 10}, 95)).isEqualTo(9.5);
        assertThat(SegmentationMetrics.percentile(new double[] {2.5}, 95)).isEqualTo(2.5);
        assertThat(SegmentationMetrics.percentile(new double[] {0.1, 0.2, 0.7, 1.3, 2.9, 3.1, 4.4}, 95))
                .isCloseTo(4.01, within(1e-15));
    }

    @Test
    void bothEmptyIsPerfectOverlapWithUndefinedDistances() {
        Grid grid = Grid.ofSpacing(4, 4, 4, 1, 1, 1);
        StructureMetrics m = SegmentationMetrics.compare(mask(grid), mask(grid), OPTIONS);
        assertThat(m.dice()).isEqualTo(1.0);
        assertThat(m.iou()).isEqualTo(1.0);
        assertThat(new double[] {m.hd(), m.hd95(), m.assd(), m.nsd()}).containsOnly(Double.NaN);
        assertThat(m.note()).startsWith("both masks empty");
    }

    @Test
    void oneEmptyIsZeroOverlapWithUndefinedDistances() {
        Grid grid = Grid.ofSpacing(4, 4, 4, 1, 1, 1);
        StructureMetrics m = SegmentationMetrics.compare(mask(grid), mask(grid, 5, 21), OPTIONS);
        assertThat(m.dice()).isZero();
        assertThat(m.iou()).isZero();
        assertThat(m.refVoxels()).isEqualTo(2);
        assertThat(m.anyEmpty()).isTrue();
        assertThat(new double[] {m.hd(), m.hd95(), m.assd(), m.nsd()}).containsOnly(Double.NaN);
        assertThat(m.note()).startsWith("prediction mask empty");
    }

    @Test
    void requestedIdAbsentFromBothMapsIsBothEmpty() {
        Grid grid = Grid.ofSpacing(3, 3, 3, 1, 1, 1);
        int[] labels = new int[27];
        labels[13] = 2;
        LabelVolume volume = new LabelVolume(grid, labels);
        List<StructureMetrics> out = SegmentationMetrics.perStructure(volume, volume, new int[] {7, 2}, OPTIONS);
        assertThat(out).extracting(StructureMetrics::id).containsExactly(7, 2);
        assertThat(out.get(0).dice()).isEqualTo(1.0);
        assertThat(out.get(0).hd()).isNaN();
        assertThat(out.get(1).hd()).isZero();
        assertThat(out.get(1).nsd()).isEqualTo(1.0);
    }

    @Test
    void resultDoesNotDependOnWhereTheMasksSitInTheVolume() {
        Grid small = Grid.ofSpacing(9, 8, 7, 0.7, 0.9, 2.5);
        Grid large = Grid.ofSpacing(30, 25, 20, 0.7, 0.9, 2.5);
        StructureMetrics inSmall = SegmentationMetrics.compare(block(small, 1, 1, 1, 5, 6, 3),
                block(small, 3, 2, 2, 8, 7, 6), OPTIONS);
        StructureMetrics inLarge = SegmentationMetrics.compare(block(large, 11, 7, 5, 15, 12, 7),
                block(large, 13, 8, 6, 18, 13, 10), OPTIONS);
        assertThat(inLarge).isEqualTo(inSmall);
        assertThat(inSmall.hd()).isPositive();
    }

    @Test
    void maskOnTheVolumeBorderHasItsBorderVoxelsAsSurface() {
        // A mask filling a 3x3x3 volume: its 26 voxels on the volume border are surface (outside the volume is
        // background). The reference is the centre voxel: HD is the corner's distance, the nearest pair is 2 mm.
        Grid grid = Grid.ofSpacing(3, 3, 3, 2, 3, 4);
        boolean[] full = new boolean[27];
        Arrays.fill(full, true);
        StructureMetrics m = SegmentationMetrics.compare(new BinaryMask(grid, full), mask(grid, 13),
                new MetricOptions(Hd95Profile.POOLED, 2.0));
        assertThat(m.hd()).isEqualTo(Math.sqrt(29));
        // Within 2 mm: the two x-neighbours of the centre and the centre itself, of 26 + 1 surface voxels.
        assertThat(m.nsd()).isEqualTo(3.0 / 27);
    }

    @Test
    void gridsMustMatch() {
        Grid a = Grid.ofSpacing(4, 4, 4, 1, 1, 1);
        Grid b = Grid.ofSpacing(4, 4, 4, 1, 1, 2);
        assertThatThrownBy(() -> SegmentationMetrics.compare(mask(a, 1), mask(b, 1), OPTIONS))
                .isInstanceOfSatisfying(InvalidVolumeException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.GRID_MISMATCH));
    }

    @Test
    void spacingMustBePositive() {
        Grid a = Grid.ofSpacing(4, 4, 4, 1, 0, 1);
        assertThatThrownBy(() -> SegmentationMetrics.compare(mask(a, 1), mask(a, 1), OPTIONS))
                .isInstanceOfSatisfying(InvalidVolumeException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SPACING));
    }

    @Test
    void negativeLabelsAreRefused() {
        Grid grid = Grid.ofSpacing(2, 1, 1, 1, 1, 1);
        LabelVolume bad = new LabelVolume(grid, new int[] {0, -3});
        assertThatThrownBy(() -> SegmentationMetrics.perStructure(bad, bad, new int[0], OPTIONS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-3");
    }

    @Test
    void backgroundIsNotAStructure() {
        Grid grid = Grid.ofSpacing(2, 1, 1, 1, 1, 1);
        LabelVolume volume = new LabelVolume(grid, new int[] {0, 1});
        assertThatThrownBy(() -> SegmentationMetrics.perStructure(volume, volume, new int[] {0}, OPTIONS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("background");
    }

    @Test
    void profilesParseByName() {
        assertThat(Hd95Profile.parse(" MONAI ")).isEqualTo(Hd95Profile.MONAI);
        assertThat(Hd95Profile.parse("pooled")).isEqualTo(Hd95Profile.POOLED);
        assertThatThrownBy(() -> Hd95Profile.parse("medpy")).hasMessageContaining("medpy");
        assertThatThrownBy(() -> new MetricOptions(Hd95Profile.MONAI, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aggregateIgnoresAndCountsNaN() {
        List<StructureMetrics> list = List.of(metrics(0.5, 2.0), metrics(0.9, 4.0), metrics(0.0, Double.NaN));
        AggregateMetrics a = AggregateMetrics.of(list);
        assertThat(a.structures()).isEqualTo(3);
        assertThat(a.dice().mean()).isCloseTo(1.4 / 3, within(1e-15));
        assertThat(a.dice().count()).isEqualTo(3);
        assertThat(a.hd().mean()).isEqualTo(3.0);
        assertThat(a.hd().std()).isEqualTo(1.0);
        assertThat(a.hd().count()).isEqualTo(2);
        assertThat(a.hd().nanCount()).isEqualTo(1);
        assertThat(AggregateMetrics.of(List.of(metrics(0, Double.NaN))).hd().mean()).isNaN();
    }

    private static StructureMetrics metrics(double dice, double hd) {
        return new StructureMetrics(1, null, 1, 1, dice, dice, hd, hd, hd, hd, Hd95Profile.MONAI, null);
    }

    private static BinaryMask mask(Grid grid, int... voxels) {
        boolean[] v = new boolean[grid.voxelCount()];
        for (int i : voxels) {
            v[i] = true;
        }
        return new BinaryMask(grid, v);
    }

    /** Voxels with x0 <= i < x1 and so on. */
    private static BinaryMask block(Grid grid, int x0, int y0, int z0, int x1, int y1, int z1) {
        boolean[] v = new boolean[grid.voxelCount()];
        for (int k = z0; k < z1; k++) {
            for (int j = y0; j < y1; j++) {
                for (int i = x0; i < x1; i++) {
                    v[grid.index(i, j, k)] = true;
                }
            }
        }
        return new BinaryMask(grid, v);
    }
}
