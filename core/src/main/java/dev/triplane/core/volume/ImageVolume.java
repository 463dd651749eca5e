package dev.triplane.core.volume;

/**
 * An intensity volume (CT in Hounsfield units) on a {@link Grid}, as float32 with NIfTI scaling applied.
 *
 * @param grid shape, spacing and affine
 * @param voxels flat array, x fastest; length is {@code grid.voxelCount()}; owned by this volume, not copied
 */
public record ImageVolume(Grid grid, float[] voxels) {
    public ImageVolume {
        if (voxels.length != grid.voxelCount()) {
            throw new IllegalArgumentException("voxel array length " + voxels.length + " does not match grid " + grid);
        }
    }
}
