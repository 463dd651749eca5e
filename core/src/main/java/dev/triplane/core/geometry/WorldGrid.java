package dev.triplane.core.geometry;

import dev.triplane.core.volume.Grid;

/**
 * Grids compared in world space rather than by voxel order: two grids cover the same voxels of the world when
 * their RAS+ reorientations ({@link Reorientation#toRas}) are the same grid, i.e. their shapes and affines are
 * equal up to a permutation and flips of the voxel axes. A label map a converter wrote in another voxel order (as
 * dcm2niix writes a DICOM series) is brought to an image's order through RAS+ and back; no interpolation.
 */
public final class WorldGrid {

    private WorldGrid() {}

    /**
     * Whether {@code a} and {@code b} hold the same voxels in world space: shape, spacing and affine of their RAS+
     * forms equal within {@code tolerance} (mm).
     */
    public static boolean same(Grid a, Grid b, double tolerance) {
        return Reorientation.toRas(a).target().sameGrid(Reorientation.toRas(b).target(), tolerance);
    }

    /**
     * Values on {@code from} in the voxel order of {@code to}, a grid {@link #same} as {@code from}: the result is
     * {@code values} itself, overwritten (one more array of its size is held meanwhile).
     */
    public static int[] toVoxelOrder(int[] values, Grid from, Grid to) {
        int[] ras = Reorientation.toRas(from).forward(values);
        Reorientation.toRas(to).inverse(ras, values);
        return values;
    }
}
