package dev.triplane.core.geometry;

import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import java.lang.reflect.Array;

/**
 * Reorders a voxel array to the RAS+ voxel order closest to its affine (nibabel {@code as_closest_canonical})
 * and back: a permutation of the axes plus flips, no interpolation, so {@code inverse(forward(x))} is
 * bitwise {@code x}.
 *
 * <p>Target voxel (i', j', k') reads source axis {@code sourceAxis[a]} at {@code o[a]}, or at
 * {@code n - 1 - o[a]} when that axis is flipped; the target affine is the source affine composed with that
 * index map, and the target spacing is the source spacing permuted. Arrays are flat, x fastest
 * ({@link Grid}). The forward copy walks the target in memory order; the inverse is the same walk writing
 * into the source. Immutable and thread-safe.
 */
public final class Reorientation {

    private final Grid source;
    private final Grid target;
    private final Orientation orientation;
    private final int[] box;
    private final int[] sourceWalk;
    private final int[] targetWalk;

    private Reorientation(Grid source, Orientation orientation) {
        this.source = source;
        this.orientation = orientation;
        int[] shape = source.shape();
        int[] sourceStride = {1, shape[0], shape[0] * shape[1]};
        int[] sourceAxis = new int[3];
        for (int a = 0; a < 3; a++) {
            sourceAxis[orientation.worldAxis(a)] = a;
        }
        double[] aff = source.affine();
        double[] spacing = source.spacing();
        double[] newAffine = new double[16];
        double[] newSpacing = new double[3];
        box = new int[3];
        sourceWalk = new int[4];
        for (int t = 0; t < 3; t++) {
            int s = sourceAxis[t];
            boolean flip = orientation.sign(s) < 0;
            box[t] = shape[s];
            newSpacing[t] = spacing[s];
            sourceWalk[1 + t] = flip ? -sourceStride[s] : sourceStride[s];
            if (flip) {
                sourceWalk[0] += (shape[s] - 1) * sourceStride[s];
            }
            for (int r = 0; r < 3; r++) {
                newAffine[4 * r + t] = flip ? -aff[4 * r + s] : aff[4 * r + s];
            }
        }
        for (int r = 0; r < 3; r++) {
            double translation = aff[4 * r + 3];
            for (int s = 0; s < 3; s++) {
                if (orientation.sign(s) < 0) {
                    translation += aff[4 * r + s] * (shape[s] - 1);
                }
            }
            newAffine[4 * r + 3] = translation;
        }
        newAffine[15] = 1;
        target = new Grid(box[0], box[1], box[2], newSpacing, newAffine);
        targetWalk = new int[] {0, 1, box[0], box[0] * box[1]};
    }

    /** The reorientation of {@code source} to RAS+ voxel order. */
    public static Reorientation toRas(Grid source) {
        return new Reorientation(source, Orientation.of(source.affine()));
    }

    public Grid source() {
        return source;
    }

    /** The RAS+ grid: shape and spacing permuted, affine updated. */
    public Grid target() {
        return target;
    }

    /** The source affine's orientation, e.g. "LPS". */
    public Orientation sourceOrientation() {
        return orientation;
    }

    /** True when the source already is in RAS+ order and arrays are copied unchanged. */
    public boolean isIdentity() {
        return orientation.isRas();
    }

    public float[] forward(float[] src) {
        float[] dst = new float[src.length];
        forward(src, dst);
        return dst;
    }

    public int[] forward(int[] src) {
        int[] dst = new int[src.length];
        forward(src, dst);
        return dst;
    }

    public boolean[] forward(boolean[] src) {
        boolean[] dst = new boolean[src.length];
        forward(src, dst);
        return dst;
    }

    public float[] inverse(float[] src) {
        float[] dst = new float[src.length];
        inverse(src, dst);
        return dst;
    }

    public int[] inverse(int[] src) {
        int[] dst = new int[src.length];
        inverse(src, dst);
        return dst;
    }

    public boolean[] inverse(boolean[] src) {
        boolean[] dst = new boolean[src.length];
        inverse(src, dst);
        return dst;
    }

    /** Source-grid array into a caller's target-grid array (not the same array). */
    public void forward(float[] src, float[] dst) {
        gather(src, dst);
    }

    public void forward(int[] src, int[] dst) {
        gather(src, dst);
    }

    public void forward(boolean[] src, boolean[] dst) {
        gather(src, dst);
    }

    /** Target-grid array back into a caller's source-grid array; the exact inverse of forward. */
    public void inverse(float[] src, float[] dst) {
        scatter(src, dst);
    }

    public void inverse(int[] src, int[] dst) {
        scatter(src, dst);
    }

    public void inverse(boolean[] src, boolean[] dst) {
        scatter(src, dst);
    }

    public ImageVolume forward(ImageVolume volume) {
        requireGrid(volume.grid(), source);
        return new ImageVolume(target, forward(volume.voxels()));
    }

    public LabelVolume forward(LabelVolume volume) {
        requireGrid(volume.grid(), source);
        return new LabelVolume(target, forward(volume.labels()));
    }

    public ImageVolume inverse(ImageVolume volume) {
        requireGrid(volume.grid(), target);
        return new ImageVolume(source, inverse(volume.voxels()));
    }

    public LabelVolume inverse(LabelVolume volume) {
        requireGrid(volume.grid(), target);
        return new LabelVolume(source, inverse(volume.labels()));
    }

    private void gather(Object src, Object dst) {
        checkPair(src, dst);
        StridedCopy.copy(box, src, sourceWalk, dst, targetWalk);
    }

    private void scatter(Object src, Object dst) {
        checkPair(src, dst);
        StridedCopy.copy(box, src, targetWalk, dst, sourceWalk);
    }

    private void checkPair(Object src, Object dst) {
        int n = source.voxelCount();
        if (src == dst) {
            throw new IllegalArgumentException("reorientation cannot work in place");
        }
        if (Array.getLength(src) != n || Array.getLength(dst) != n) {
            throw new IllegalArgumentException("arrays must hold " + n + " voxels of grid " + source);
        }
    }

    private static void requireGrid(Grid actual, Grid expected) {
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException("volume grid " + actual + " is not " + expected);
        }
    }
}
