package dev.triplane.core.geometry;

import dev.triplane.core.volume.Grid;

/**
 * Maps a position given in world millimetres or in the input file's voxel indices to continuous voxel indices of
 * the input's RAS+ reorientation ({@link Reorientation#toRas}), the order every frame is cut in
 * ({@link AxisFrames}). World coordinates are RAS+ millimetres as the NIfTI affine defines them; LPS (DICOM, 3D
 * Slicer's files) is the same with x and y negated. Voxel centres sit at integer indices. Immutable.
 */
public final class RasVoxelMap {

    private final Grid input;
    private final Grid ras;
    /** Row-major 3x4 inverse of the RAS+ grid's affine: world to RAS+ voxel. */
    private final double[] worldToRas;

    /** @param input the grid of the input file as read, in its own voxel order */
    public RasVoxelMap(Grid input) {
        this.input = input;
        this.ras = Reorientation.toRas(input).target();
        this.worldToRas = invert(ras.affine());
    }

    /** The RAS+ grid the returned indices refer to. */
    public Grid ras() {
        return ras;
    }

    /** RAS+ voxel indices of a point in RAS+ world millimetres. */
    public double[] fromRasWorld(double x, double y, double z) {
        double[] v = new double[3];
        for (int r = 0; r < 3; r++) {
            v[r] = worldToRas[4 * r] * x + worldToRas[4 * r + 1] * y + worldToRas[4 * r + 2] * z + worldToRas[4 * r + 3];
        }
        return v;
    }

    /** RAS+ voxel indices of a point in LPS world millimetres (x towards left, y towards posterior). */
    public double[] fromLpsWorld(double x, double y, double z) {
        return fromRasWorld(-x, -y, z);
    }

    /** RAS+ voxel indices of a point given as voxel indices of the input file's own order. */
    public double[] fromInputVoxel(double i, double j, double k) {
        double[] w = world(input.affine(), i, j, k);
        return fromRasWorld(w[0], w[1], w[2]);
    }

    private static double[] world(double[] affine, double i, double j, double k) {
        double[] w = new double[3];
        for (int r = 0; r < 3; r++) {
            w[r] = affine[4 * r] * i + affine[4 * r + 1] * j + affine[4 * r + 2] * k + affine[4 * r + 3];
        }
        return w;
    }

    /** Inverse of an affine 4x4 (row-major) as its top 3x4 rows: the 3x3 part by cofactors, then the translation. */
    private static double[] invert(double[] a) {
        double[] inv = new double[12];
        double det = 0;
        for (int c = 0; c < 3; c++) {
            det += a[c] * cofactor(a, 0, c);
        }
        if (!(Math.abs(det) > 1e-12)) {
            throw new IllegalArgumentException("affine 3x3 part is singular or not finite (det " + det + ")");
        }
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                inv[4 * r + c] = cofactor(a, c, r) / det; // the adjugate is the transposed cofactor matrix
            }
        }
        for (int r = 0; r < 3; r++) {
            inv[4 * r + 3] = -(inv[4 * r] * a[3] + inv[4 * r + 1] * a[7] + inv[4 * r + 2] * a[11]);
        }
        return inv;
    }

    private static double cofactor(double[] a, int r, int c) {
        int r1 = (r + 1) % 3;
        int r2 = (r + 2) % 3;
        int c1 = (c + 1) % 3;
        int c2 = (c + 2) % 3;
        return a[4 * r1 + c1] * a[4 * r2 + c2] - a[4 * r1 + c2] * a[4 * r2 + c1];
    }
}
