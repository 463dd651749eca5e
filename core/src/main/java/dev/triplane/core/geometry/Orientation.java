package dev.triplane.core.geometry;

/**
 * The world axis each voxel axis of an affine is closest to, as nibabel's {@code io_orientation}.
 *
 * <p>Algorithm (nibabel 5.4): normalise the affine's 3x3 columns by their norms (zooms), take the closest
 * orthogonal matrix R (polar decomposition), then process voxel axes from the one with the largest
 * |R| entry to the smallest (stable on ties): each takes the world axis of its largest |R| entry (first on
 * ties) with that entry's sign, and that world axis is removed from consideration.
 *
 * <p>Simplification: nibabel gets R from an SVD and drops rank-deficient axes; here R comes from the Newton
 * polar iteration (same matrix for non-singular input, equal to rounding) and a singular affine is refused.
 * Exact ties (e.g. a 45 degree rotation) are decided by rounding in both implementations and may differ.
 */
public final class Orientation {

    private static final String POSITIVE = "RAS";
    private static final String NEGATIVE = "LPI";

    private final int[] worldAxis;
    private final int[] sign;

    private Orientation(int[] worldAxis, int[] sign) {
        this.worldAxis = worldAxis;
        this.sign = sign;
    }

    /**
     * @param affine voxel-to-world 4x4, row-major
     * @throws IllegalArgumentException for a singular or non-finite 3x3 part
     */
    public static Orientation of(double[] affine) {
        double[][] rs = new double[3][3];
        for (int c = 0; c < 3; c++) {
            double zoom = Math.sqrt(sq(affine[c]) + sq(affine[4 + c]) + sq(affine[8 + c]));
            if (zoom == 0) {
                zoom = 1;
            }
            for (int r = 0; r < 3; r++) {
                rs[r][c] = affine[4 * r + c] / zoom;
            }
        }
        double[][] rot = closestRotation(rs);

        int[] order = {0, 1, 2};
        double[] strength = new double[3];
        for (int c = 0; c < 3; c++) {
            strength[c] = Math.max(sq(rot[0][c]), Math.max(sq(rot[1][c]), sq(rot[2][c])));
        }
        // stable descending sort of three axes by strength (insertion sort keeps equal ones in order)
        for (int a = 1; a < 3; a++) {
            for (int b = a; b > 0 && strength[order[b]] > strength[order[b - 1]]; b--) {
                int t = order[b];
                order[b] = order[b - 1];
                order[b - 1] = t;
            }
        }
        int[] worldAxis = new int[3];
        int[] sign = new int[3];
        for (int c : order) {
            int best = 0;
            for (int r = 1; r < 3; r++) {
                if (Math.abs(rot[r][c]) > Math.abs(rot[best][c])) {
                    best = r;
                }
            }
            if (rot[best][c] == 0) {
                throw new IllegalArgumentException("affine leaves voxel axis " + c + " without a world axis");
            }
            worldAxis[c] = best;
            sign[c] = rot[best][c] > 0 ? 1 : -1;
            rot[best][0] = 0;
            rot[best][1] = 0;
            rot[best][2] = 0;
        }
        return new Orientation(worldAxis, sign);
    }

    /** The world axis (0 = R-L, 1 = A-P, 2 = S-I) that voxel axis {@code voxelAxis} runs along. */
    public int worldAxis(int voxelAxis) {
        return worldAxis[voxelAxis];
    }

    /** +1 when increasing the voxel index moves towards R, A or S; -1 towards L, P or I. */
    public int sign(int voxelAxis) {
        return sign[voxelAxis];
    }

    /** The direction each voxel axis points to, as nibabel's {@code aff2axcodes}: "RAS", "LPS", "PIR", ... */
    public String axisCodes() {
        char[] codes = new char[3];
        for (int a = 0; a < 3; a++) {
            codes[a] = (sign[a] > 0 ? POSITIVE : NEGATIVE).charAt(worldAxis[a]);
        }
        return new String(codes);
    }

    public boolean isRas() {
        return "RAS".equals(axisCodes());
    }

    @Override
    public String toString() {
        return axisCodes();
    }

    /** Orthogonal polar factor of a non-singular 3x3 matrix by Newton's iteration X = (X + X^-T) / 2. */
    private static double[][] closestRotation(double[][] m) {
        double[][] x = {m[0].clone(), m[1].clone(), m[2].clone()};
        for (int iter = 0; iter < 100; iter++) {
            double[][] invT = inverseTranspose(x);
            double change = 0;
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 3; c++) {
                    double next = 0.5 * (x[r][c] + invT[r][c]);
                    change = Math.max(change, Math.abs(next - x[r][c]));
                    x[r][c] = next;
                }
            }
            if (change < 1e-15) {
                break;
            }
        }
        return x;
    }

    private static double[][] inverseTranspose(double[][] m) {
        // cofactor matrix divided by the determinant is the inverse transpose
        double[][] cof = new double[3][3];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                int r1 = (r + 1) % 3;
                int r2 = (r + 2) % 3;
                int c1 = (c + 1) % 3;
                int c2 = (c + 2) % 3;
                cof[r][c] = m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1];
            }
        }
        double det = m[0][0] * cof[0][0] + m[0][1] * cof[0][1] + m[0][2] * cof[0][2];
        if (!(Math.abs(det) > 1e-12)) {
            throw new IllegalArgumentException("affine 3x3 part is singular or not finite (det " + det + ")");
        }
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                cof[r][c] /= det;
            }
        }
        return cof;
    }

    private static double sq(double v) {
        return v * v;
    }
}
