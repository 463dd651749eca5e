package dev.triplane.core.volume;

import java.util.Arrays;

/**
 * The voxel grid of a 3D volume: shape, voxel spacing in millimetres and the voxel-to-world affine.
 *
 * <p>Voxel arrays on a grid are flat with x (i) fastest, then y (j), then z (k):
 * {@code index = i + nx * (j + ny * k)}. The affine maps (i, j, k, 1) to RAS+ world millimetres, as NIfTI
 * defines it, and is stored row-major in 16 doubles.
 *
 * @param nx voxels along i
 * @param ny voxels along j
 * @param nz voxels along k
 * @param spacing voxel size along i, j, k in mm (NIfTI pixdim[1..3])
 * @param affine voxel-to-world 4x4, row-major
 */
public record Grid(int nx, int ny, int nz, double[] spacing, double[] affine) {

    public Grid {
        if (nx <= 0 || ny <= 0 || nz <= 0) {
            throw new IllegalArgumentException("grid shape must be positive: " + nx + "x" + ny + "x" + nz);
        }
        if ((long) nx * ny * nz > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("grid " + nx + "x" + ny + "x" + nz + " exceeds one Java array");
        }
        if (spacing.length != 3 || affine.length != 16) {
            throw new IllegalArgumentException("spacing needs 3 values and affine 16");
        }
        spacing = spacing.clone();
        affine = affine.clone();
    }

    /** A grid with the given shape and spacing whose affine is the diagonal spacing matrix. */
    public static Grid ofSpacing(int nx, int ny, int nz, double dx, double dy, double dz) {
        double[] affine = {dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1};
        return new Grid(nx, ny, nz, new double[] {dx, dy, dz}, affine);
    }

    public int voxelCount() {
        return nx * ny * nz;
    }

    public int index(int i, int j, int k) {
        return i + nx * (j + ny * k);
    }

    public int[] shape() {
        return new int[] {nx, ny, nz};
    }

    @Override
    public double[] spacing() {
        return spacing.clone();
    }

    @Override
    public double[] affine() {
        return affine.clone();
    }

    /** Same shape, and spacing and affine equal within {@code tolerance}; a NaN equals nothing. */
    public boolean sameGrid(Grid other, double tolerance) {
        if (nx != other.nx || ny != other.ny || nz != other.nz) {
            return false;
        }
        for (int a = 0; a < 3; a++) {
            if (!(Math.abs(spacing[a] - other.spacing[a]) <= tolerance)) {
                return false;
            }
        }
        for (int a = 0; a < 16; a++) {
            if (!(Math.abs(affine[a] - other.affine[a]) <= tolerance)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Grid g && nx == g.nx && ny == g.ny && nz == g.nz
                && Arrays.equals(spacing, g.spacing) && Arrays.equals(affine, g.affine);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * nx + ny) + nz) + Arrays.hashCode(affine);
    }

    @Override
    public String toString() {
        return nx + "x" + ny + "x" + nz + " spacing " + Arrays.toString(spacing);
    }
}
