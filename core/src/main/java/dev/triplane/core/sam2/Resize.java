package dev.triplane.core.sam2;

import dev.triplane.core.volume.ParallelRanges;

/**
 * 2D resizes of single-channel float images (row-major, width fastest) as {@code torch.nn.functional.interpolate}
 * computes them with {@code mode="bilinear", align_corners=False}, with and without {@code antialias}.
 * Written here because SAM2's mask plumbing needs exactly torch's taps and there is no tensor library on this
 * path. Each call allocates only its tap tables and, for the separable antialiased one, one row pass buffer;
 * the plain resize runs its rows in parallel (it upsamples every tracked mask to S x S).
 */
public final class Resize {

    private Resize() {
    }

    /**
     * Plain bilinear: output pixel o samples {@code max((o + 0.5) * in / out - 0.5, 0)} between two neighbours.
     *
     * @param src [srcH, srcW]
     * @param dst [dstH, dstW], overwritten
     */
    public static void bilinear(float[] src, int srcH, int srcW, float[] dst, int dstH, int dstW) {
        check(src, srcH, srcW, dst, dstH, dstW);
        int[] x0 = new int[dstW];
        int[] x1 = new int[dstW];
        float[] wx = new float[dstW];
        int[] y0 = new int[dstH];
        int[] y1 = new int[dstH];
        float[] wy = new float[dstH];
        taps(srcW, dstW, x0, x1, wx);
        taps(srcH, dstH, y0, y1, wy);
        ParallelRanges.forEach(dstH, (from, to) -> {
            for (int y = from; y < to; y++) {
                int a = y0[y] * srcW;
                int b = y1[y] * srcW;
                float h1 = wy[y];
                float h0 = 1f - h1;
                int out = y * dstW;
                for (int x = 0; x < dstW; x++) {
                    float w1 = wx[x];
                    float w0 = 1f - w1;
                    dst[out + x] = h0 * (w0 * src[a + x0[x]] + w1 * src[a + x1[x]])
                            + h1 * (w0 * src[b + x0[x]] + w1 * src[b + x1[x]]);
                }
            }
        });
    }

    /**
     * Antialiased bilinear (torch's separable AA kernel: the width pass first, then the height pass). When
     * shrinking by a factor r, each output averages the inputs within r pixels with triangle weights
     * {@code 1 - |d| / r}, normalised; when growing it equals {@link #bilinear}.
     *
     * @param src [srcH, srcW]
     * @param dst [dstH, dstW], overwritten
     */
    public static void antialiased(float[] src, int srcH, int srcW, float[] dst, int dstH, int dstW) {
        check(src, srcH, srcW, dst, dstH, dstW);
        Taps tx = Taps.of(srcW, dstW);
        Taps ty = Taps.of(srcH, dstH);
        float[] rows = new float[srcH * dstW];
        for (int y = 0; y < srcH; y++) {
            int in = y * srcW;
            int out = y * dstW;
            for (int x = 0; x < dstW; x++) {
                float acc = 0f;
                int first = tx.first[x];
                int base = x * tx.width;
                for (int j = 0; j < tx.count[x]; j++) {
                    acc += src[in + first + j] * tx.weights[base + j];
                }
                rows[out + x] = acc;
            }
        }
        for (int y = 0; y < dstH; y++) {
            int first = ty.first[y];
            int base = y * ty.width;
            int out = y * dstW;
            for (int x = 0; x < dstW; x++) {
                float acc = 0f;
                for (int j = 0; j < ty.count[y]; j++) {
                    acc += rows[(first + j) * dstW + x] * ty.weights[base + j];
                }
                dst[out + x] = acc;
            }
        }
    }

    /** torch's _compute_indices_weights_aa for the bilinear (triangle) filter along one axis. */
    private record Taps(int[] first, int[] count, float[] weights, int width) {
        static Taps of(int in, int out) {
            float scale = (float) in / out;
            float support = scale >= 1f ? scale : 1f;
            float invScale = scale >= 1f ? 1f / scale : 1f;
            int width = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[out];
            int[] count = new int[out];
            float[] weights = new float[out * width];
            for (int i = 0; i < out; i++) {
                float center = scale * (i + 0.5f);
                int lo = Math.max((int) (center - support + 0.5f), 0);
                int n = Math.min((int) (center + support + 0.5f), in) - lo;
                float total = 0f;
                for (int j = 0; j < n; j++) {
                    float d = Math.abs((j + lo - center + 0.5f) * invScale);
                    float w = d < 1f ? 1f - d : 0f;
                    weights[i * width + j] = w;
                    total += w;
                }
                for (int j = 0; j < n; j++) {
                    weights[i * width + j] = total != 0f ? weights[i * width + j] / total : 0f;
                }
                first[i] = lo;
                count[i] = n;
            }
            return new Taps(first, count, weights, width);
        }
    }

    /** Left neighbour, right neighbour and right weight of each output pixel, as torch computes them. */
    static void taps(int in, int out, int[] first, int[] second, float[] weight) {
        float scale = (float) in / out;
        for (int o = 0; o < out; o++) {
            float src = Math.max(scale * (o + 0.5f) - 0.5f, 0f);
            int i0 = Math.min((int) src, in - 1);
            first[o] = i0;
            second[o] = i0 < in - 1 ? i0 + 1 : i0;
            weight[o] = Math.min(Math.max(src - i0, 0f), 1f);
        }
    }

    private static void check(float[] src, int srcH, int srcW, float[] dst, int dstH, int dstW) {
        if (srcH <= 0 || srcW <= 0 || dstH <= 0 || dstW <= 0 || src.length != srcH * srcW
                || dst.length != dstH * dstW) {
            throw new IllegalArgumentException("resize " + srcH + "x" + srcW + " -> " + dstH + "x" + dstW
                    + " does not match arrays of " + src.length + " and " + dst.length);
        }
    }
}
