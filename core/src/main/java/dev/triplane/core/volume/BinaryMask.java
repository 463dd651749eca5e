package dev.triplane.core.volume;

/**
 * A binary mask (one structure) on a {@link Grid}.
 *
 * @param grid shape, spacing and affine
 * @param voxels flat array, x fastest; length is {@code grid.voxelCount()}; owned by this mask, not copied
 */
public record BinaryMask(Grid grid, boolean[] voxels) {
    public BinaryMask {
        if (voxels.length != grid.voxelCount()) {
            throw new IllegalArgumentException("mask length " + voxels.length + " does not match grid " + grid);
        }
    }

    public int count() {
        int n = 0;
        for (boolean v : voxels) {
            if (v) {
                n++;
            }
        }
        return n;
    }
}
