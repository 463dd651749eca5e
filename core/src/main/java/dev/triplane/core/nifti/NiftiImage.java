package dev.triplane.core.nifti;

import dev.triplane.core.events.Reason;
import dev.triplane.core.geometry.Orientation;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.core.volume.ParallelRanges;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A NIfTI volume as read: its header and its voxels in the stored primitive type, x fastest ({@code index = i +
 * nx * (j + ny * k)}). Values are exposed with {@code scl_slope}/{@code scl_inter} applied, computed in double as
 * nibabel's {@code get_fdata} does.
 */
public final class NiftiImage {

    /** Largest difference in mm (spacing and affine entries) for two grids to count as the same. */
    public static final double GRID_TOLERANCE_MM = 1e-4;

    private final String object;
    private final NiftiHeader header;
    private final Grid grid;
    private final Voxels voxels;
    private final boolean scaled;
    private final double slope;
    private final double inter;

    NiftiImage(String object, NiftiHeader header, Voxels voxels) {
        this.object = object;
        this.header = header;
        this.grid = header.grid();
        this.voxels = voxels;
        this.scaled = header.scaled();
        this.slope = header.sclSlope();
        this.inter = header.sclInter();
    }

    /** The file or object key this image was read from. */
    public String object() {
        return object;
    }

    public NiftiHeader header() {
        return header;
    }

    /** Shape dim[1..3], spacing pixdim[1..3] (not checked here) and the affine nibabel reports. */
    public Grid grid() {
        return grid;
    }

    /** The stored voxel type (before scaling). */
    public NiftiDatatype datatype() {
        return NiftiDatatype.ofCode(header.datatypeCode());
    }

    /** The scaled value of one voxel. */
    public double voxel(int flatIndex) {
        double v = voxels.get(flatIndex);
        return scaled ? v * slope + inter : v;
    }

    /**
     * The scaled values as float32, for intensity volumes.
     *
     * @throws InvalidVolumeException {@link Reason#BAD_SPACING} for spacing that is not positive and finite,
     *     {@link Reason#BAD_HEADER} for an affine that is singular or not finite,
     *     {@link Reason#NON_FINITE_VOXELS} naming the first voxel that is NaN or infinite as float32
     */
    public ImageVolume toImageVolume() {
        requireUsableGrid();
        float[] out = new float[grid.voxelCount()];
        int bad = convertSlices((from, to) -> {
            for (int i = from; i < to; i++) {
                float v = (float) voxel(i);
                if (!Float.isFinite(v)) {
                    return i;
                }
                out[i] = v;
            }
            return -1;
        });
        if (bad >= 0) {
            throw nonFinite(bad);
        }
        return new ImageVolume(grid, out);
    }

    /**
     * Refuses what {@link #toImageVolume()} refuses without making its float32 copy: integer voxels cannot be NaN
     * or infinite, so they are scanned only when the scaling may carry them beyond float32; float voxels are
     * checked where they are stored.
     *
     * @throws InvalidVolumeException as {@link #toImageVolume()}
     */
    public void requireImageValues() {
        requireUsableGrid();
        if (!mayExceedFloat32()) {
            return;
        }
        int bad = convertSlices((from, to) -> {
            for (int i = from; i < to; i++) {
                if (!Float.isFinite((float) voxel(i))) {
                    return i;
                }
            }
            return -1;
        });
        if (bad >= 0) {
            throw nonFinite(bad);
        }
    }

    private boolean mayExceedFloat32() {
        NiftiDatatype type = datatype();
        if (type == NiftiDatatype.FLOAT32 || type == NiftiDatatype.FLOAT64) {
            return true;
        }
        double largest = Math.pow(2, type.bitpix()); // beyond any stored integer of the type, signed or not
        double bound = scaled ? largest * Math.abs(slope) + Math.abs(inter) : largest;
        return !(bound <= Float.MAX_VALUE);
    }

    private InvalidVolumeException nonFinite(int index) {
        double v = voxel(index);
        return new InvalidVolumeException(object, Reason.NON_FINITE_VOXELS,
                "voxel " + describe(index) + " is " + v + (Double.isFinite(v) ? " (beyond float32)" : ""));
    }

    /**
     * The scaled values as structure ids.
     *
     * @throws InvalidVolumeException {@link Reason#BAD_SPACING} as {@link #toImageVolume()};
     *     {@link Reason#NOT_A_LABEL_MAP} naming the first voxel that is not an integer in 0..2^31-1
     */
    public LabelVolume toLabelVolume() {
        requireUsableGrid();
        int[] out = new int[grid.voxelCount()];
        int bad = convertSlices((from, to) -> {
            for (int i = from; i < to; i++) {
                double v = voxel(i);
                if (!(v >= 0 && v <= Integer.MAX_VALUE && v == Math.rint(v))) {
                    return i;
                }
                out[i] = (int) v;
            }
            return -1;
        });
        if (bad >= 0) {
            throw new InvalidVolumeException(object, Reason.NOT_A_LABEL_MAP,
                    "voxel " + describe(bad) + " is " + voxel(bad) + ", not a label id (integer >= 0)");
        }
        return new LabelVolume(grid, out);
    }

    /**
     * Requires a label volume to lie on its image's grid: same shape, spacing and affine within
     * {@link #GRID_TOLERANCE_MM}.
     *
     * @throws InvalidVolumeException {@link Reason#GRID_MISMATCH} with both grids
     */
    public static void requireSameGrid(Grid image, Grid labels, String object) {
        if (!image.sameGrid(labels, GRID_TOLERANCE_MM)) {
            throw new InvalidVolumeException(object, Reason.GRID_MISMATCH, "labels on " + labels + " affine "
                    + Arrays.toString(labels.affine()) + ", image on " + image + " affine " + Arrays.toString(image.affine()));
        }
    }

    /** Converts voxels {@code [from, to)}; returns the first index that cannot be converted, or -1. */
    private interface SliceConversion {
        int convert(int from, int to);
    }

    /**
     * Runs a conversion over ranges of k slices in parallel; returns the lowest failing index, or -1. Each range
     * stops at its first failure, so the lowest of those is the first failing voxel of the volume.
     */
    private int convertSlices(SliceConversion conversion) {
        int slice = grid.nx() * grid.ny();
        AtomicInteger firstBad = new AtomicInteger(Integer.MAX_VALUE);
        ParallelRanges.forEach(grid.nz(), (from, to) -> {
            int bad = conversion.convert(from * slice, to * slice);
            if (bad >= 0) {
                firstBad.accumulateAndGet(bad, Math::min);
            }
        });
        return firstBad.get() == Integer.MAX_VALUE ? -1 : firstBad.get();
    }

    /** Spacing positive and finite, and an affine every later step can reorient by (finite, not singular). */
    private void requireUsableGrid() {
        for (double s : grid.spacing()) {
            if (!(s > 0 && Double.isFinite(s))) {
                throw new InvalidVolumeException(object, Reason.BAD_SPACING,
                        "pixdim[1..3] = " + Arrays.toString(grid.spacing()) + " must be positive and finite");
            }
        }
        try {
            Orientation.of(grid.affine());
        } catch (IllegalArgumentException e) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER, "affine " + Arrays.toString(grid.affine())
                    + " (sform code " + header.sformCode() + ", qform code " + header.qformCode() + "): "
                    + e.getMessage(), e);
        }
    }

    private String describe(int index) {
        int i = index % grid.nx();
        int j = index / grid.nx() % grid.ny();
        int k = index / grid.nx() / grid.ny();
        return index + " (i=" + i + ", j=" + j + ", k=" + k + ")";
    }
}
