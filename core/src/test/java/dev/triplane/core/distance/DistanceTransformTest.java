package dev.triplane.core.distance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DistanceTransformTest {

    @ParameterizedTest(name = "{0}x{1}x{2}, density {3}")
    @CsvSource({"7,5,4,0.05", "1,9,3,0.2", "6,1,1,0.3", "13,11,9,0.01", "17,3,12,0.002", "40,30,20,0.001",
            "8,8,8,0.9"})
    void matchesBruteForceWithAnisotropicSpacing(int nx, int ny, int nz, double density) {
        double[] spacing = {0.7, 0.9, 2.5};
        Random random = new Random(nx * 1000L + ny * 10L + nz);
        boolean[] features = new boolean[nx * ny * nz];
        for (int v = 0; v < features.length; v++) {
            features[v] = random.nextDouble() < density;
        }
        features[random.nextInt(features.length)] = true;

        int[] nearest = DistanceTransform.nearestFeature(features, nx, ny, nz, spacing);
        double[] distances = DistanceTransform.distances(features, nx, ny, nz, spacing);
        for (int v = 0; v < features.length; v++) {
            double best = Double.POSITIVE_INFINITY;
            for (int f = 0; f < features.length; f++) {
                if (features[f]) {
                    best = Math.min(best, DistanceTransform.distance(v, f, nx, ny, spacing));
                }
            }
            assertThat(distances[v]).as("voxel %d", v).isCloseTo(best, within(1e-12));
            assertThat(features[nearest[v]]).isTrue();
        }
    }

    @Test
    void noFeatureGivesInfinityEverywhere() {
        boolean[] none = new boolean[5 * 4 * 3];
        assertThat(DistanceTransform.nearestFeature(none, 5, 4, 3, new double[] {1, 1, 1}))
                .containsOnly(DistanceTransform.NO_FEATURE);
        assertThat(DistanceTransform.distances(none, 5, 4, 3, new double[] {1, 1, 1}))
                .containsOnly(Double.POSITIVE_INFINITY);
    }

    @Test
    void spacingDecidesWhichFeatureIsNearest() {
        // From (2, 0, 1): a feature two voxels away along x and one one voxel away along z. z wins at 1 mm
        // spacing; x wins when x voxels are 0.5 mm and z voxels 3 mm.
        int nx = 5;
        int ny = 1;
        int nz = 3;
        boolean[] features = new boolean[nx * ny * nz];
        int alongX = nx; // (0, 0, 1)
        int alongZ = 2 + nx * 2; // (2, 0, 2)
        features[alongX] = true;
        features[alongZ] = true;
        int from = 2 + nx; // (2, 0, 1)
        assertThat(DistanceTransform.nearestFeature(features, nx, ny, nz, new double[] {1, 1, 1})[from])
                .isEqualTo(alongZ);
        double[] thick = {0.5, 1, 3};
        assertThat(DistanceTransform.nearestFeature(features, nx, ny, nz, thick)[from]).isEqualTo(alongX);
        assertThat(DistanceTransform.distances(features, nx, ny, nz, thick)[from]).isEqualTo(1.0);
    }

    @Test
    void twoDimensionalFormGivesExactSquaredPixelDistances() {
        int width = 9;
        int height = 6;
        Random random = new Random(7);
        boolean[] features = new boolean[width * height];
        for (int p = 0; p < features.length; p++) {
            features[p] = random.nextDouble() < 0.1;
        }
        features[0] = true;
        int[] squared = DistanceTransform.squaredDistances2d(features, width, height);
        for (int p = 0; p < features.length; p++) {
            int best = Integer.MAX_VALUE;
            for (int f = 0; f < features.length; f++) {
                int dx = f % width - p % width;
                int dy = f / width - p / width;
                if (features[f]) {
                    best = Math.min(best, dx * dx + dy * dy);
                }
            }
            assertThat(squared[p]).as("pixel %d", p).isEqualTo(best);
        }
        assertThat(DistanceTransform.squaredDistances2d(new boolean[6], 3, 2))
                .containsOnly(DistanceTransform.NO_FEATURE);
    }
}
