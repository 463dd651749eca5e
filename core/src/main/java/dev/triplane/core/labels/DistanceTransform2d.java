package dev.triplane.core.labels;

/**
 * Exact squared Euclidean distance from each pixel of a 2D mask to the nearest background pixel, with
 * everything outside the frame counting as background (Felzenszwalb-Huttenlocher lower envelope of
 * parabolas, one column pass and one row pass). Unit pixel spacing: frames are images, not millimetres.
 * Hand-written because the JDK has none and it is the only 2D transform the prompts need.
 */
final class DistanceTransform2d {

    private DistanceTransform2d() {
    }

    /**
     * @param mask {@code width * height}, row-major, true = foreground
     * @return squared distances, 0 on background
     */
    static int[] squared(boolean[] mask, int width, int height) {
        // column pass: vertical distance to background, with background rows at y = -1 and y = height
        int[] vertical = new int[mask.length];
        for (int x = 0; x < width; x++) {
            int run = 0;
            for (int y = 0; y < height; y++) {
                run = mask[x + width * y] ? run + 1 : 0;
                vertical[x + width * y] = run;
            }
            run = 0;
            for (int y = height - 1; y >= 0; y--) {
                run = mask[x + width * y] ? run + 1 : 0;
                vertical[x + width * y] = Math.min(vertical[x + width * y], run);
            }
        }
        // row pass over positions -1..width, the two ends being background (f = 0)
        int n = width + 2;
        double[] f = new double[n];
        int[] apex = new int[n];
        double[] bound = new double[n + 1];
        int[] out = new int[mask.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double g = vertical[x + width * y];
                f[x + 1] = g * g;
            }
            f[0] = 0;
            f[n - 1] = 0;
            int k = 0;
            apex[0] = 0;
            bound[0] = Double.NEGATIVE_INFINITY;
            bound[1] = Double.POSITIVE_INFINITY;
            for (int q = 1; q < n; q++) {
                double s = intersection(f, apex[k], q);
                while (s <= bound[k]) {
                    k--;
                    s = intersection(f, apex[k], q);
                }
                k++;
                apex[k] = q;
                bound[k] = s;
                bound[k + 1] = Double.POSITIVE_INFINITY;
            }
            k = 0;
            for (int q = 1; q < n - 1; q++) {
                while (bound[k + 1] < q) {
                    k++;
                }
                double d = q - apex[k];
                out[q - 1 + width * y] = (int) (d * d + f[apex[k]]);
            }
        }
        return out;
    }

    private static double intersection(double[] f, int p, int q) {
        return ((f[q] + (double) q * q) - (f[p] + (double) p * p)) / (2.0 * q - 2.0 * p);
    }
}
