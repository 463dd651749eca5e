package dev.triplane.core.fusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.propagation.Float16;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TriAxisFusionTest {

    private static final Grid LINE = Grid.ofSpacing(6, 1, 1, 1, 1, 1);

    /** Fuses one structure given per-axis logits on a 6-voxel RAS line and returns its labels. */
    private static int[] fuseLine(FusionRule rule, Map<Axis, float[]> logits) {
        TriAxisFusion fusion = new TriAxisFusion(Reorientation.toRas(LINE), rule);
        fusion.add(1, axes(LINE, 1, logits));
        return fusion.labels().labels();
    }

    /** One structure's logits per axis, each given as a whole RAS volume, as the axes' logit volumes hold them. */
    static Map<Axis, LogitVolume> axes(Grid ras, int id, Map<Axis, float[]> volumes) {
        Map<Axis, LogitVolume> out = new EnumMap<>(Axis.class);
        volumes.forEach((axis, volume) -> {
            AxisFrames frames = new AxisFrames(ras, axis);
            LogitVolume logits = new LogitVolume(ras, axis, new int[] {id}, new int[] {0},
                    new int[] {frames.frameCount() - 1});
            float[] frame = new float[frames.frameSize()];
            for (int t = 0; t < frames.frameCount(); t++) {
                frames.copyFrame(volume, t, frame);
                logits.putFrame(0, t, frame);
            }
            out.put(axis, logits);
        });
        return out;
    }

    /** {@code v} as float16 holds it. */
    private static float half(float v) {
        return Float16.toFloat(Float16.fromFloat(v));
    }

    private static final Map<Axis, float[]> THREE = Map.of(
            // voxel:               0     1      2     3      4     5
            Axis.AXIAL, new float[] {-1024, 10, -2, 10, 0.5f, 3},
            Axis.CORONAL, new float[] {20, -2, 1, -2, 0.5f, -1},
            Axis.SAGITTAL, new float[] {20, -2, 1, 1, -3, -1});

    @Test
    void eachRuleOnThreeAxes() {
        // voxel 0: one absent axis (-1024, clamped to -32) is outvoted: mean logit (-32 + 40) / 3 > 0
        assertThat(fuseLine(FusionRule.MEAN_LOGIT, THREE)).containsExactly(1, 1, 0, 1, 0, 1);
        // voxel 1: sigmoid mean (1 + 2 * 0.12) / 3 < 0.5 although the mean logit is 2; voxel 2 the opposite
        assertThat(fuseLine(FusionRule.MEAN_PROB, THREE)).containsExactly(1, 0, 1, 1, 0, 0);
        assertThat(fuseLine(FusionRule.VOTE, THREE)).containsExactly(1, 0, 1, 1, 1, 0);
        assertThat(fuseLine(FusionRule.MAX, THREE)).containsExactly(1, 1, 1, 1, 1, 1);
        assertThat(fuseLine(FusionRule.singleAxis(Axis.AXIAL), THREE)).containsExactly(0, 1, 0, 1, 1, 1);
        assertThat(fuseLine(FusionRule.parse("coronal"), THREE)).containsExactly(1, 0, 1, 0, 1, 0);
    }

    @Test
    void missingAxesUseTheAxesPresent() {
        Map<Axis, float[]> two = Map.of(
                Axis.AXIAL, new float[] {3, 3, -1, -1024, 1, 0},
                Axis.SAGITTAL, new float[] {-1, -5, -1, 1, 0, 0});
        assertThat(fuseLine(FusionRule.MEAN_LOGIT, two)).containsExactly(1, 0, 0, 0, 1, 0);
        // both of two must agree
        assertThat(fuseLine(FusionRule.VOTE, two)).containsExactly(0, 0, 0, 0, 0, 0);
        assertThat(fuseLine(FusionRule.MAX, two)).containsExactly(1, 1, 0, 1, 1, 0);
        Map<Axis, float[]> one = Map.of(Axis.CORONAL, new float[] {1, -1, 0, 5, -1024, Float.NaN});
        assertThat(fuseLine(FusionRule.VOTE, one)).containsExactly(1, 0, 0, 1, 0, 0);
        assertThat(fuseLine(FusionRule.MEAN_PROB, one)).containsExactly(1, 0, 0, 1, 0, 0);
        // a single-axis rule whose axis does not hold the structure fuses nothing
        assertThat(fuseLine(FusionRule.singleAxis(Axis.AXIAL), one)).containsOnly(0);
    }

    @Test
    void uncertaintyIsTheVarianceOfTheAxisProbabilities() {
        TriAxisFusion fusion = new TriAxisFusion(Reorientation.toRas(LINE), FusionRule.MEAN_LOGIT);
        fusion.add(3, axes(LINE, 3, Map.of(
                Axis.AXIAL, new float[] {0, 1024, 2, 0, 0, 0},
                Axis.CORONAL, new float[] {0, -1024, 2, 0, 0, 0},
                Axis.SAGITTAL, new float[] {0, -1024, -2, 0, 0, 0})));
        float[] u = fusion.uncertainty().voxels();
        double p = 1 / (1 + Math.exp(-2));
        double mean = (2 * p + (1 - p)) / 3;
        double expected = (2 * (p - mean) * (p - mean) + (1 - p - mean) * (1 - p - mean)) / 3;
        assertThat(u[0]).isZero();
        assertThat(u[1]).isCloseTo(2f / 9, within(1e-6f));
        assertThat(u[2]).isCloseTo((float) expected, within(1e-6f));
        // a second structure raises the map only where it is less certain
        fusion.add(4, axes(LINE, 4, Map.of(Axis.AXIAL, new float[] {5, 5, 5, 5, 5, 5},
                Axis.CORONAL, new float[] {-5, 5, 5, 5, 5, 5})));
        double q = 1 / (1 + Math.exp(-5));
        assertThat(fusion.uncertainty().voxels()[0]).isCloseTo((float) ((q - 0.5) * (q - 0.5)), within(1e-6f));
        assertThat(fusion.uncertainty().voxels()[1]).isCloseTo(2f / 9, within(1e-6f));
    }

    @Test
    void overlapsGoToTheHighestScoreAndTiesToTheFirstStructure() {
        TriAxisFusion fusion = new TriAxisFusion(Reorientation.toRas(LINE), FusionRule.MEAN_LOGIT);
        fusion.add(7, axes(LINE, 7, Map.of(Axis.AXIAL, new float[] {4, 4, 4, -1, 2, 0})));
        fusion.add(2, axes(LINE, 2, Map.of(Axis.AXIAL, new float[] {5, 4, 3, 1, 100, 0})));
        assertThat(fusion.add(8, Map.of())).isFalse();
        assertThat(fusion.labels().labels()).containsExactly(2, 7, 7, 2, 2, 0);
        assertThat(fusion.voxelCounts()).containsExactly(Map.entry(2, 3), Map.entry(7, 2), Map.entry(8, 0));
        assertThatThrownBy(() -> fusion.add(7, axes(LINE, 7, Map.of(Axis.AXIAL, new float[6]))))
                .hasMessageContaining("already");
        assertThatThrownBy(() -> fusion.add(0, axes(LINE, 0, Map.of(Axis.AXIAL, new float[6]))))
                .hasMessageContaining("positive");
        Grid longer = Grid.ofSpacing(5, 1, 1, 1, 1, 1);
        assertThatThrownBy(() -> fusion.add(9, axes(longer, 9, Map.of(Axis.AXIAL, new float[5]))))
                .hasMessageContaining("not the RAS grid");
    }

    @Test
    void manySlabsInParallelGiveThePerVoxelResult() {
        Grid grid = new Grid(70, 50, 23, new double[] {0.9, 0.9, 2}, new double[] {
            -0.9, 0, 0, 0, 0, -0.9, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1});
        Reorientation r = Reorientation.toRas(grid);
        int n = grid.voxelCount();
        float[][] logits = new float[3][n];
        Random random = new Random(7);
        for (float[] axis : logits) {
            for (int v = 0; v < n; v++) {
                axis[v] = half(random.nextFloat() * 80 - 40);
            }
        }
        TriAxisFusion fusion = new TriAxisFusion(r, FusionRule.MEAN_PROB);
        fusion.add(2, axes(grid, 2, Map.of(Axis.AXIAL, logits[0], Axis.CORONAL, logits[1],
                Axis.SAGITTAL, logits[2])));
        int[] ras = r.forward(fusion.labels().labels());
        float[] uncertainty = r.forward(fusion.uncertainty().voxels());
        for (int v = 0; v < n; v++) {
            double[] p = new double[3];
            double mean = 0;
            for (int a = 0; a < 3; a++) {
                p[a] = 1 / (1 + Math.exp(-Math.max(-32, Math.min(32, logits[a][v]))));
                mean += p[a] / 3;
            }
            double variance = 0;
            for (int a = 0; a < 3; a++) {
                variance += (p[a] - mean) * (p[a] - mean) / 3;
            }
            if (Math.abs(mean - 0.5) > 1e-5) {
                assertThat(ras[v]).as("voxel " + v).isEqualTo(mean > 0.5 ? 2 : 0);
            }
            assertThat((double) uncertainty[v]).isCloseTo(variance, within(1e-5));
        }
    }

    @Test
    void structuresSeenOnPartOfTheVolumeFuseOnTheirBoxAsOnTheWholeGrid() {
        Grid grid = Grid.ofSpacing(40, 30, 20, 1, 1, 2);
        Reorientation r = Reorientation.toRas(grid);
        Random random = new Random(11);
        TriAxisFusion fusion = new TriAxisFusion(r, FusionRule.MEAN_PROB);
        int[] expected = new int[grid.voxelCount()];
        float[] best = new float[grid.voxelCount()];
        for (int id = 1; id <= 4; id++) {
            // each axis sees the structure in its own box (the axes disagree on where it ends); below the floor
            // elsewhere, as real SAM2 logits are a few millimetres outside an object
            float[][] logits = new float[3][grid.voxelCount()];
            int[] centre = {5 + random.nextInt(30), 5 + random.nextInt(20), 4 + random.nextInt(12)};
            for (float[] axis : logits) {
                int[] lo = new int[3];
                int[] hi = new int[3];
                for (int a = 0; a < 3; a++) {
                    lo[a] = Math.max(0, centre[a] - 1 - random.nextInt(5));
                    hi[a] = Math.min(grid.shape()[a] - 1, centre[a] + 1 + random.nextInt(5));
                }
                java.util.Arrays.fill(axis, -40);
                for (int k = lo[2]; k <= hi[2]; k++) {
                    for (int j = lo[1]; j <= hi[1]; j++) {
                        for (int i = lo[0]; i <= hi[0]; i++) {
                            axis[grid.index(i, j, k)] = half(random.nextFloat() * 20 - 5);
                        }
                    }
                }
            }
            fusion.add(id, axes(grid, id, Map.of(Axis.AXIAL, logits[0], Axis.CORONAL, logits[1],
                    Axis.SAGITTAL, logits[2])));
            for (int v = 0; v < grid.voxelCount(); v++) {
                float mean = 0;
                for (float[] axis : logits) {
                    mean += (float) (1.0 / (1.0 + Math.exp(-Math.max(-32, axis[v])))) / 3;
                }
                if (mean > 0.5f && (expected[v] == 0 || mean > best[v])) {
                    expected[v] = id;
                    best[v] = mean;
                }
            }
        }
        assertThat(fusion.labels().labels()).containsExactly(expected);
        assertThat(expected).contains(1, 2, 3, 4);
    }

    @Test
    void rulesParseByName() {
        assertThat(FusionRule.parse(" Mean-Logit")).isEqualTo(FusionRule.MEAN_LOGIT);
        assertThat(FusionRule.parse("sagittal")).isEqualTo(FusionRule.singleAxis(Axis.SAGITTAL));
        for (String id : new String[] {"mean-logit", "mean-prob", "vote", "max", "axial", "coronal", "sagittal"}) {
            assertThat(FusionRule.parse(id).id()).isEqualTo(id);
        }
        assertThatThrownBy(() -> FusionRule.parse("median")).hasMessageContaining("'median'");
    }

    /** LPS, anisotropic, and a permuted oblique-free affine: i -> S (flipped), j -> R, k -> A (flipped). */
    private static final Grid[] NON_RAS = {
        new Grid(7, 6, 5, new double[] {0.8, 1.5, 3}, new double[] {
            -0.8, 0, 0, 12, 0, -1.5, 0, 20, 0, 0, 3, -40, 0, 0, 0, 1}),
        new Grid(5, 8, 6, new double[] {2.5, 0.7, 1.2}, new double[] {
            0, 0.7, 0, -3, 0, 0, -1.2, 9, -2.5, 0, 0, 30, 0, 0, 0, 1}),
    };

    @Test
    void logitsOnTheRasGridComeBackOnTheInputGridWhereTheWorldSaysForEveryRule() {
        for (Grid input : NON_RAS) {
            Reorientation r = Reorientation.toRas(input);
            assertThat(r.isIdentity()).isFalse();
            Grid ras = r.target();
            double[] centre = worldOf(input, input.nx() / 2, input.ny() / 2, input.nz() / 2);
            // structure 5: axial says x > cx (+10 / -2), coronal y > cy (+1 / -2), sagittal z > cz (+1 / -2);
            // the thresholds fall between voxel centres
            float[][] logits = new float[3][ras.voxelCount()];
            for (int k = 0; k < ras.nz(); k++) {
                for (int j = 0; j < ras.ny(); j++) {
                    for (int i = 0; i < ras.nx(); i++) {
                        boolean[] in = inside(worldOf(ras, i, j, k), centre);
                        int v = ras.index(i, j, k);
                        logits[0][v] = in[0] ? 10 : -2;
                        logits[1][v] = in[1] ? 1 : -2;
                        logits[2][v] = in[2] ? 1 : -2;
                    }
                }
            }
            Map<Axis, float[]> byAxis = Map.of(Axis.AXIAL, logits[0], Axis.CORONAL, logits[1],
                    Axis.SAGITTAL, logits[2]);
            for (FusionRule rule : new FusionRule[] {FusionRule.MEAN_LOGIT, FusionRule.MEAN_PROB, FusionRule.VOTE,
                    FusionRule.MAX, FusionRule.singleAxis(Axis.CORONAL)}) {
                TriAxisFusion fusion = new TriAxisFusion(r, rule);
                fusion.add(5, axes(ras, 5, byAxis));
                LabelVolume out = fusion.labels();
                assertThat(out.grid()).isEqualTo(input);
                int positives = 0;
                for (int k = 0; k < input.nz(); k++) {
                    for (int j = 0; j < input.ny(); j++) {
                        for (int i = 0; i < input.nx(); i++) {
                            boolean[] in = inside(worldOf(input, i, j, k), centre);
                            int votes = (in[0] ? 1 : 0) + (in[1] ? 1 : 0) + (in[2] ? 1 : 0);
                            boolean expected = switch (rule.kind()) {
                                case MEAN_LOGIT -> in[0]; // +10 outweighs two -2, -2 + 1 + 1 = 0 is not > 0
                                case MEAN_PROB, VOTE -> votes >= 2;
                                case MAX -> votes >= 1;
                                case SINGLE_AXIS -> in[1];
                            };
                            positives += expected ? 1 : 0;
                            assertThat(out.labels()[input.index(i, j, k)]).as(rule.id() + " at " + i + "," + j + ","
                                    + k).isEqualTo(expected ? 5 : 0);
                        }
                    }
                }
                assertThat(positives).as(rule.id()).isPositive().isLessThan(input.voxelCount());
            }
        }
    }

    private static boolean[] inside(double[] world, double[] centre) {
        return new boolean[] {world[0] > centre[0] + 0.1, world[1] > centre[1] + 0.1, world[2] > centre[2] + 0.1};
    }

    private static double[] worldOf(Grid g, int i, int j, int k) {
        double[] a = g.affine();
        double[] w = new double[3];
        for (int row = 0; row < 3; row++) {
            w[row] = a[4 * row] * i + a[4 * row + 1] * j + a[4 * row + 2] * k + a[4 * row + 3];
        }
        return w;
    }
}
