package dev.triplane.core.geometry;

import dev.triplane.core.volume.ParallelRanges;

/**
 * Copies a 3D box of elements between two flat primitive arrays, each walked with its own offset and
 * per-axis strides (negative for a flipped axis): {@code index = offset + a*s0 + b*s1 + c*s2} for
 * {@code a < n0, b < n1, c < n2}. One walk serves reorientation (permutation + flips) and frame views.
 *
 * <p>Arrays are passed as {@code Object} so the index math is shared; the element type is dispatched once
 * per row. Supported: {@code float[]}, {@code int[]} and {@code boolean[]}, the types {@link AxisFrames} and
 * {@link Reorientation} take.
 */
final class StridedCopy {

    /** Boxes at least this large are copied in parallel over the outer axis. */
    private static final int PARALLEL_THRESHOLD = 1 << 18;

    private StridedCopy() {
    }

    /**
     * @param n box size along a (innermost), b and c (outermost)
     * @param src source array, {@code srcAt} = {offset, s0, s1, s2}
     * @param dst destination array of the same element type, {@code dstAt} = {offset, s0, s1, s2}
     */
    static void copy(int[] n, Object src, int[] srcAt, Object dst, int[] dstAt) {
        if (src.getClass() != dst.getClass()) {
            throw new IllegalArgumentException("element types differ: " + src.getClass().getSimpleName()
                    + " and " + dst.getClass().getSimpleName());
        }
        if ((long) n[0] * n[1] * n[2] >= PARALLEL_THRESHOLD) {
            ParallelRanges.forEach(n[2], (from, to) -> slabs(from, to, n, src, srcAt, dst, dstAt));
        } else {
            slabs(0, n[2], n, src, srcAt, dst, dstAt);
        }
    }

    /** Copies the slabs {@code from <= c < to} of the outer axis. */
    private static void slabs(int from, int to, int[] n, Object src, int[] srcAt, Object dst, int[] dstAt) {
        for (int c = from; c < to; c++) {
            int s = srcAt[0] + c * srcAt[3];
            int d = dstAt[0] + c * dstAt[3];
            for (int b = 0; b < n[1]; b++) {
                row(src, s + b * srcAt[2], srcAt[1], dst, d + b * dstAt[2], dstAt[1], n[0]);
            }
        }
    }

    private static void row(Object src, int s, int ss, Object dst, int d, int ds, int len) {
        if (ss == 1 && ds == 1) {
            System.arraycopy(src, s, dst, d, len);
        } else if (src instanceof float[] a) {
            float[] b = (float[]) dst;
            for (int x = 0; x < len; x++, s += ss, d += ds) {
                b[d] = a[s];
            }
        } else if (src instanceof int[] a) {
            int[] b = (int[]) dst;
            for (int x = 0; x < len; x++, s += ss, d += ds) {
                b[d] = a[s];
            }
        } else if (src instanceof boolean[] a) {
            boolean[] b = (boolean[]) dst;
            for (int x = 0; x < len; x++, s += ss, d += ds) {
                b[d] = a[s];
            }
        } else {
            throw new IllegalArgumentException("unsupported array type " + src.getClass().getSimpleName());
        }
    }
}
