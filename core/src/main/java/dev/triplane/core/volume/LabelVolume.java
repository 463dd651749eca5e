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
}
