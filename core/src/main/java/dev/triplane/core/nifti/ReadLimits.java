package dev.triplane.core.nifti;

/**
 * Bounds on what {@link NiftiReader} accepts, checked from the header before any voxel array is allocated.
 *
 * @param maxVoxelBytes largest voxel data (voxel count x bytes per voxel) a file may declare
 * @param maxInflatedBytes largest number of bytes a {@code .nii.gz} may inflate to (header, extensions and data)
 */
public record ReadLimits(long maxVoxelBytes, long maxInflatedBytes) {

    public ReadLimits {
        if (maxVoxelBytes <= 0 || maxInflatedBytes <= 0) {
            throw new IllegalArgumentException("limits must be positive: " + maxVoxelBytes + ", " + maxInflatedBytes);
        }
    }

    /** 2 GiB of voxel data (a 1024x1024x1024 int16 volume) and 2.5 GiB inflated. */
    public static ReadLimits defaults() {
        return new ReadLimits(2L << 30, 5L << 29);
    }
}
