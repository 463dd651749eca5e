package dev.triplane.core.volume;

/**
 * A label map on a {@link Grid}: each voxel holds a structure id, 0 is background.
 *
 * @param grid shape, spacing and affine
 * @param labels flat array, x fastest; length is {@code grid.voxelCount()}; owned by this volume, not copied
 */
public record LabelVolume(Grid grid, int[] labels) {
    public LabelVolume {
        if (labels.length != grid.voxelCount()) {
            throw new IllegalArgumentException("label array length " + labels.length + " does not match grid " + grid);
        }
    }

    /** The voxels that carry {@code id}. */
    public BinaryMask mask(int id) {
        boolean[] voxels = new boolean[labels.length];
        for (int i = 0; i < labels.length; i++) {
            voxels[i] = labels[i] == id;
        }
        return new BinaryMask(grid, voxels);
    }
}
