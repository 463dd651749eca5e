package dev.triplane.core.metrics;

import dev.triplane.core.distance.DistanceTransform;
import dev.triplane.core.events.Reason;
import dev.triplane.core.volume.BinaryMask;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Dice, IoU, HD, HD95, ASSD and NSD between a predicted and a reference segmentation on the same grid, in mm
 * using {@link Grid#spacing()} (docs/method.md §3).
 *
 * <p>Surface of a mask: its voxels with at least one 6-connected neighbour outside it, outside the volume counting
 * as background (scipy {@code binary_erosion} XOR the mask, as MONAI and medpy do). Directed surface distances go
 * from each surface voxel of one mask to the nearest surface voxel of the other, through an exact
 * {@link DistanceTransform} over the union bounding box of both masks grown by one voxel and clamped to the
 * volume. That box is exact: nearest surface voxels lie inside the union box, and every neighbour a surface test
 * needs is either inside it or outside the volume. Work per structure is proportional to its box, so many small
 * structures on a large volume stay cheap.
 */
public final class SegmentationMetrics {

    /** Largest label id {@link #perStructure} indexes directly (per-id tables are sized by the largest id). */
    public static final int MAX_LABEL_ID = 1 << 20;

    private SegmentationMetrics() {
    }

    /**
     * Compares two binary masks.
     *
     * @return metrics with id 0 and no name
     * @throws InvalidVolumeException when the grids differ or the spacing is not positive
     */
    public static StructureMetrics compare(BinaryMask pred, BinaryMask ref, MetricOptions options) {
        Grid grid = checkGrids(pred.grid(), ref.grid());
        Box box = Box.empty();
        box.include(pred.voxels(), grid);
        box.include(ref.voxels(), grid);
        if (box.isEmpty()) {
            return missing(0, 0, 0, options);
        }
        Box crop = box.grown(grid);
        return measure(0, crop.crop(pred.voxels(), grid), crop.crop(ref.voxels(), grid), crop, grid.spacing(),
                options);
    }

    /**
     * Compares two label maps structure by structure.
     *
     * @param ids structure ids (positive) to compare, in this order; empty means every non-zero id present in
     *     either map, ascending. An id absent from both maps gives the both-empty result.
     * @throws InvalidVolumeException when the grids differ or the spacing is not positive
     * @throws IllegalArgumentException on a requested id below 1, or a label below 0 or above
     *     {@link #MAX_LABEL_ID}
     */
    public static List<StructureMetrics> perStructure(LabelVolume pred, LabelVolume ref, int[] ids,
            MetricOptions options) {
        Grid grid = checkGrids(pred.grid(), ref.grid());
        for (int id : ids) {
            if (id <= 0) {
                throw new IllegalArgumentException("structure ids are positive (0 is background): " + id);
            }
        }
        int maxId = Math.max(maxLabel(pred.labels(), "prediction"), maxLabel(ref.labels(), "reference"));
        long[] predCount = new long[maxId + 1];
        long[] refCount = new long[maxId + 1];
        Box[] boxes = new Box[maxId + 1];
        scan(pred.labels(), grid, predCount, boxes);
        scan(ref.labels(), grid, refCount, boxes);
        int[] wanted = ids.length > 0 ? ids : present(predCount, refCount);
        double[] spacing = grid.spacing();
        // structures are measured side by side, each on its own crop; the list keeps the order of wanted
        return Arrays.stream(wanted).parallel().mapToObj(id -> {
            if (id > maxId || boxes[id] == null) {
                return missing(id, 0, 0, options);
            }
            Box crop = boxes[id].grown(grid);
            return measure(id, crop.crop(pred.labels(), id, grid), crop.crop(ref.labels(), id, grid), crop, spacing,
                    options);
        }).collect(Collectors.toCollection(ArrayList::new));
    }

    /**
     * numpy's default ({@code linear}) percentile of sorted values: virtual index q/100 * (n - 1), interpolated
     * between its neighbours with numpy's {@code _lerp} formula.
     */
    static double percentile(double[] sorted, double q) {
        int n = sorted.length;
        double index = q / 100 * (n - 1);
        int below = (int) Math.floor(index);
        int above = Math.min(below + 1, n - 1);
        double t = index - below;
        double a = sorted[below];
        double b = sorted[above];
        double diff = b - a;
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }

    private static StructureMetrics measure(int id, boolean[] pred, boolean[] ref, Box box, double[] spacing,
            MetricOptions options) {
        long predCount = 0;
        long refCount = 0;
        long both = 0;
        for (int v = 0; v < pred.length; v++) {
            if (pred[v]) {
                predCount++;
                if (ref[v]) {
                    both++;
                }
            }
            if (ref[v]) {
                refCount++;
            }
        }
        if (predCount == 0 || refCount == 0) {
            return missing(id, predCount, refCount, options);
        }
        double dice = 2.0 * both / (predCount + refCount);
        double iou = (double) both / (predCount + refCount - both);

        int nx = box.sizeX();
        int ny = box.sizeY();
        int nz = box.sizeZ();
        boolean[] predSurface = new boolean[pred.length];
        boolean[] refSurface = new boolean[ref.length];
        int[] predVoxels = surface(pred, nx, ny, nz, predSurface);
        int[] refVoxels = surface(ref, nx, ny, nz, refSurface);
        double[] predToRef = directed(predVoxels, refSurface, nx, ny, nz, spacing);
        double[] refToPred = directed(refVoxels, predSurface, nx, ny, nz, spacing);

        int np = predToRef.length;
        int nr = refToPred.length;
        double hd = Math.max(predToRef[np - 1], refToPred[nr - 1]);
        double hd95;
        if (options.profile() == Hd95Profile.MONAI) {
            hd95 = Math.max(percentile(predToRef, 95), percentile(refToPred, 95));
        } else {
            double[] pooled = Arrays.copyOf(predToRef, np + nr);
            System.arraycopy(refToPred, 0, pooled, np, nr);
            Arrays.sort(pooled);
            hd95 = percentile(pooled, 95);
        }
        double sum = 0;
        long within = 0;
        double tau = options.nsdToleranceMm();
        for (double d : predToRef) {
            sum += d;
            within += d <= tau ? 1 : 0;
        }
        for (double d : refToPred) {
            sum += d;
            within += d <= tau ? 1 : 0;
        }
        double assd = sum / (np + nr);
        double nsd = (double) within / (np + nr);
        return new StructureMetrics(id, null, predCount, refCount, dice, iou, hd, hd95, assd, nsd,
                options.profile(), null);
    }

    /** The empty-mask policy of docs/method.md §3. */
    private static StructureMetrics missing(int id, long predCount, long refCount, MetricOptions options) {
        double overlap;
        String note;
        if (predCount == 0 && refCount == 0) {
            overlap = 1.0;
            note = "both masks empty: structure absent from prediction and reference, surface metrics undefined";
        } else {
            overlap = 0.0;
            note = (predCount == 0 ? "prediction" : "reference") + " mask empty: surface metrics undefined";
        }
        return new StructureMetrics(id, null, predCount, refCount, overlap, overlap, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, options.profile(), note);
    }

    /** Flags and lists the surface voxels of a mask in its box; outside the box is background (see class doc). */
    private static int[] surface(boolean[] mask, int nx, int ny, int nz, boolean[] flags) {
        int sliceSize = nx * ny;
        int count = 0;
        for (int k = 0; k < nz; k++) {
            for (int j = 0; j < ny; j++) {
                int row = nx * (j + ny * k);
                for (int i = 0; i < nx; i++) {
                    int v = row + i;
                    if (mask[v] && (i == 0 || i == nx - 1 || j == 0 || j == ny - 1 || k == 0 || k == nz - 1
                            || !mask[v - 1] || !mask[v + 1] || !mask[v - nx] || !mask[v + nx]
                            || !mask[v - sliceSize] || !mask[v + sliceSize])) {
                        flags[v] = true;
                        count++;
                    }
                }
            }
        }
        int[] voxels = new int[count];
        int n = 0;
        for (int v = 0; v < flags.length; v++) {
            if (flags[v]) {
                voxels[n++] = v;
            }
        }
        return voxels;
    }

    /** Sorted distances in mm from each listed voxel to the nearest flagged target voxel. */
    private static double[] directed(int[] from, boolean[] targets, int nx, int ny, int nz, double[] spacing) {
        int[] nearest = DistanceTransform.nearestFeature(targets, nx, ny, nz, spacing);
        double[] d = new double[from.length];
        for (int n = 0; n < from.length; n++) {
            d[n] = DistanceTransform.distance(from[n], nearest[from[n]], nx, ny, spacing);
        }
        Arrays.sort(d);
        return d;
    }

    private static Grid checkGrids(Grid pred, Grid ref) {
        if (!pred.sameGrid(ref, 1e-6)) {
            throw new InvalidVolumeException("prediction", Reason.GRID_MISMATCH,
                    "grid " + pred + " differs from the reference grid " + ref);
        }
        for (double s : ref.spacing()) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new InvalidVolumeException("reference", Reason.BAD_SPACING,
                        "spacing must be finite and positive: " + ref);
            }
        }
        return ref;
    }

    private static int maxLabel(int[] labels, String object) {
        int max = 0;
        for (int l : labels) {
            if (l < 0 || l > MAX_LABEL_ID) {
                throw new IllegalArgumentException(object + " label " + l + " is outside 0.." + MAX_LABEL_ID);
            }
            max = Math.max(max, l);
        }
        return max;
    }

    /** Counts voxels per id and grows each id's union box, in one pass. */
    private static void scan(int[] labels, Grid grid, long[] counts, Box[] boxes) {
        int nx = grid.nx();
        int ny = grid.ny();
        int v = 0;
        for (int k = 0; k < grid.nz(); k++) {
            for (int j = 0; j < ny; j++) {
                for (int i = 0; i < nx; i++, v++) {
                    int id = labels[v];
                    if (id == 0) {
                        continue;
                    }
                    counts[id]++;
                    Box box = boxes[id];
                    if (box == null) {
                        box = Box.empty();
                        boxes[id] = box;
                    }
                    box.include(i, j, k);
                }
            }
        }
    }

    private static int[] present(long[] predCount, long[] refCount) {
        int n = 0;
        int[] ids = new int[predCount.length];
        for (int id = 1; id < predCount.length; id++) {
            if (predCount[id] > 0 || refCount[id] > 0) {
                ids[n++] = id;
            }
        }
        return Arrays.copyOf(ids, n);
    }

    /** An inclusive voxel box, grown while scanning. */
    private static final class Box {
        private int x0 = Integer.MAX_VALUE;
        private int y0 = Integer.MAX_VALUE;
        private int z0 = Integer.MAX_VALUE;
        private int x1 = -1;
        private int y1 = -1;
        private int z1 = -1;

        static Box empty() {
            return new Box();
        }

        boolean isEmpty() {
            return x1 < 0;
        }

        void include(int i, int j, int k) {
            x0 = Math.min(x0, i);
            x1 = Math.max(x1, i);
            y0 = Math.min(y0, j);
            y1 = Math.max(y1, j);
            z0 = Math.min(z0, k);
            z1 = Math.max(z1, k);
        }

        void include(boolean[] voxels, Grid grid) {
            int v = 0;
            for (int k = 0; k < grid.nz(); k++) {
                for (int j = 0; j < grid.ny(); j++) {
                    for (int i = 0; i < grid.nx(); i++, v++) {
                        if (voxels[v]) {
                            include(i, j, k);
                        }
                    }
                }
            }
        }

        /** This box with one more voxel on every side, clamped to the volume. */
        Box grown(Grid grid) {
            Box b = new Box();
            b.x0 = Math.max(0, x0 - 1);
            b.y0 = Math.max(0, y0 - 1);
            b.z0 = Math.max(0, z0 - 1);
            b.x1 = Math.min(grid.nx() - 1, x1 + 1);
            b.y1 = Math.min(grid.ny() - 1, y1 + 1);
            b.z1 = Math.min(grid.nz() - 1, z1 + 1);
            return b;
        }

        int sizeX() {
            return x1 - x0 + 1;
        }

        int sizeY() {
            return y1 - y0 + 1;
        }

        int sizeZ() {
            return z1 - z0 + 1;
        }

        boolean[] crop(boolean[] voxels, Grid grid) {
            int width = sizeX();
            boolean[] out = new boolean[width * sizeY() * sizeZ()];
            int n = 0;
            for (int k = z0; k <= z1; k++) {
                for (int j = y0; j <= y1; j++, n += width) {
                    System.arraycopy(voxels, grid.index(x0, j, k), out, n, width);
                }
            }
            return out;
        }

        boolean[] crop(int[] labels, int id, Grid grid) {
            boolean[] out = new boolean[sizeX() * sizeY() * sizeZ()];
            int n = 0;
            for (int k = z0; k <= z1; k++) {
                for (int j = y0; j <= y1; j++) {
                    int row = grid.index(0, j, k);
                    for (int i = x0; i <= x1; i++) {
                        out[n++] = labels[row + i] == id;
                    }
                }
            }
            return out;
        }
    }
}
