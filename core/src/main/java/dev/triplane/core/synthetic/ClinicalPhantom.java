package dev.triplane.core.synthetic;

import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ParallelRanges;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A CT-like scan of clinical size with many labelled structures, made from a seed, for measuring the pipeline at
 * the scale of a whole-body CT with TotalSegmentator's labels: int16 Hounsfield units on an LPS grid of
 * 0.8 x 0.8 x 2.5 mm (as scanners write it, so the pipeline has to reorient it), an elliptic body of fat,
 * muscle wall and subcutaneous fat in air, and structures 1..N inside it of five kinds: large organs spanning many
 * slices, medium organs, long thin vessels, small glands and bones, and tiny structures a few voxels across.
 *
 * <p>Each structure is an axis-aligned ellipsoid; a voxel inside several belongs to the one it is nearest to in
 * that ellipsoid's own scale, so overlapping structures touch along a shared boundary instead of hiding one
 * another, and every structure keeps at least its centre voxel (centres are distinct voxels): the label map holds
 * exactly N structures. Voxels are filled slice range by slice range in parallel with per-range scratch rows and a
 * noise that is a hash of the voxel index, so the result depends on the seed alone.
 */
public final class ClinicalPhantom {

    /** mm along i, j, k, as float32 (the header's type) holds them, so the file's grid equals {@link #grid()}. */
    private static final double[] SPACING = {(float) 0.8, (float) 0.8, (float) 2.5};
    private static final short AIR_HU = -1000;
    private static final short FAT_HU = -100;
    private static final short MUSCLE_HU = 45;
    /** Between the organs: fat with some soft tissue. */
    private static final short ABDOMEN_HU = -60;
    /** Half-width of the triangular noise added to every voxel, in HU. */
    private static final int NOISE_HU = 20;
    /** Body cross-section, as fractions of the field of view: an adult abdomen in a typical CT field. */
    private static final double BODY_HALF_WIDTH = 0.46;
    private static final double BODY_HALF_DEPTH = 0.36;
    /** Squared normalized body radius where the muscle wall starts and where subcutaneous fat starts. */
    private static final double WALL_FROM = 0.78;
    private static final double FAT_FROM = 0.90;
    /**
     * The kinds cycled through by structure id, a mix like TotalSegmentator's: mostly medium and small structures,
     * some vessels, a few large organs and a few tiny ones.
     */
    private static final Kind[] KIND_CYCLE = {Kind.LARGE, Kind.MEDIUM, Kind.SMALL, Kind.TINY, Kind.VESSEL,
        Kind.MEDIUM, Kind.SMALL, Kind.MEDIUM, Kind.SMALL, Kind.VESSEL, Kind.MEDIUM, Kind.SMALL};
    /** Draws of a centre before giving up on a volume too small for the structures asked for. */
    private static final int CENTRE_TRIES = 1000;

    private enum Kind {
        LARGE, MEDIUM, VESSEL, SMALL, TINY
    }

    /**
     * A kind's draw: voxel radii along i and j, the radius along k in mm, how far from the body's axis the centre
     * may lie (a fraction of the body's radius) and the mean HU.
     */
    private record Shape(double ri, double rj, double rkMm, double reach, int hu) {
    }

    /** One structure: an ellipsoid of voxel centre {@code c*} and voxel radii {@code r*}, and its mean HU. */
    private record Structure(short id, int ci, int cj, int ck, double ri, double rj, double rk, short hu) {

        int firstSlice() {
            return (int) Math.ceil(ck - rk);
        }

        int lastSlice() {
            return (int) Math.floor(ck + rk);
        }
    }

    private final Grid grid;
    private final int structureCount;
    private final short[] hu;
    private final short[] labels;

    private ClinicalPhantom(Grid grid, int structureCount, short[] hu, short[] labels) {
        this.grid = grid;
        this.structureCount = structureCount;
        this.hu = hu;
        this.labels = labels;
    }

    /**
     * Builds the phantom on an {@code nx x ny x nz} grid with structures {@code 1..structures}.
     *
     * @throws IllegalArgumentException for a structure count outside 1..32767 or one the grid cannot hold
     */
    public static ClinicalPhantom generate(int nx, int ny, int nz, int structures, long seed) {
        if (structures < 1 || structures > Short.MAX_VALUE) {
            throw new IllegalArgumentException("structures must be in 1.." + Short.MAX_VALUE + ", got " + structures);
        }
        Grid grid = lpsGrid(nx, ny, nz);
        List<Structure> placed = place(grid, structures, new SplittableRandom(seed));
        short[] hu = new short[grid.voxelCount()];
        short[] labels = new short[grid.voxelCount()];
        ParallelRanges.forEach(nz, (from, to) -> fill(grid, placed, seed, from, to, hu, labels));
        return new ClinicalPhantom(grid, structures, hu, labels);
    }

    /**
     * LPS, placed as a scanner places a series: the middle of every slice on the scanner's axis (x = y = 0), the
     * last slice at z = 0; translations rounded to float32 as the header stores them.
     */
    private static Grid lpsGrid(int nx, int ny, int nz) {
        double sx = SPACING[0];
        double sy = SPACING[1];
        double sz = SPACING[2];
        double ox = (float) (sx * (nx - 1) / 2);
        double oy = (float) (sy * (ny - 1) / 2);
        double oz = (float) (-sz * (nz - 1));
        return new Grid(nx, ny, nz, SPACING.clone(),
                new double[] {-sx, 0, 0, ox, 0, -sy, 0, oy, 0, 0, sz, oz, 0, 0, 0, 1});
    }

    private static List<Structure> place(Grid grid, int count, SplittableRandom random) {
        double bodyX = BODY_HALF_WIDTH * grid.nx();
        double bodyY = BODY_HALF_DEPTH * grid.ny();
        double slicesMm = grid.nz() * SPACING[2];
        Set<Integer> centres = new HashSet<>();
        List<Structure> placed = new ArrayList<>(count);
        for (int s = 0; s < count; s++) {
            Kind kind = KIND_CYCLE[s % KIND_CYCLE.length];
            Shape shape = switch (kind) {
                case LARGE -> new Shape(bodyX * random.nextDouble(0.22, 0.40), bodyY * random.nextDouble(0.22, 0.40),
                        slicesMm * random.nextDouble(0.12, 0.30), 0.45,
                        random.nextInt(4) == 0 ? random.nextInt(-870, -800) : random.nextInt(40, 70));
                case MEDIUM -> new Shape(bodyX * random.nextDouble(0.07, 0.16), bodyY * random.nextDouble(0.07, 0.16),
                        slicesMm * random.nextDouble(0.04, 0.12), 0.75, random.nextInt(25, 60));
                case VESSEL -> {
                    double ri = random.nextDouble(3, 9) / SPACING[0];
                    yield new Shape(ri, ri * random.nextDouble(0.8, 1.25), slicesMm * random.nextDouble(0.25, 0.5),
                            0.7, random.nextInt(150, 260));
                }
                case SMALL -> new Shape(bodyX * random.nextDouble(0.025, 0.06), bodyY * random.nextDouble(0.025, 0.06),
                        Math.max(1.5 * SPACING[2], slicesMm * random.nextDouble(0.01, 0.04)), 0.8,
                        random.nextBoolean() ? random.nextInt(350, 900) : random.nextInt(30, 80));
                case TINY -> new Shape(random.nextDouble(0.8, 1.6), random.nextDouble(0.8, 1.6),
                        random.nextDouble(0.6, 1.1) * SPACING[2], 0.8, random.nextInt(60, 120));
            };
            int tries = 0;
            while (true) {
                // uniform over the ellipse of the body shrunk by reach
                double angle = random.nextDouble(2 * Math.PI);
                double radius = shape.reach() * Math.sqrt(random.nextDouble());
                int ci = (int) Math.round(grid.nx() / 2.0 + radius * bodyX * Math.cos(angle));
                int cj = (int) Math.round(grid.ny() / 2.0 + radius * bodyY * Math.sin(angle));
                int ck = random.nextInt(grid.nz());
                if (ci >= 0 && ci < grid.nx() && cj >= 0 && cj < grid.ny() && centres.add(grid.index(ci, cj, ck))) {
                    placed.add(new Structure((short) (s + 1), ci, cj, ck, Math.max(shape.ri(), 0.8),
                            Math.max(shape.rj(), 0.8), Math.max(shape.rkMm() / SPACING[2], 0.6), (short) shape.hu()));
                    break;
                }
                if (++tries == CENTRE_TRIES) {
                    throw new IllegalArgumentException(grid + " has no room for " + count + " structures");
                }
            }
        }
        return placed;
    }

    /** Fills slices {@code [from, to)}: labels by the nearest ellipsoid in its own scale, then HU with noise. */
    private static void fill(Grid grid, List<Structure> structures, long seed, int from, int to, short[] hu,
                             short[] labels) {
        int nx = grid.nx();
        int ny = grid.ny();
        double[] nearest = new double[nx];
        short[] owner = new short[nx];
        Structure[] byId = new Structure[structures.size() + 1];
        for (Structure s : structures) {
            byId[s.id()] = s;
        }
        List<Structure> inSlice = new ArrayList<>();
        for (int k = from; k < to; k++) {
            inSlice.clear();
            for (Structure s : structures) {
                if (s.firstSlice() <= k && k <= s.lastSlice()) {
                    inSlice.add(s);
                }
            }
            for (int j = 0; j < ny; j++) {
                Arrays.fill(nearest, 1);
                Arrays.fill(owner, (short) 0);
                for (Structure s : inSlice) {
                    double dk = (k - s.ck()) / s.rk();
                    double dj = (j - s.cj()) / s.rj();
                    double rest = 1 - dk * dk - dj * dj;
                    if (rest <= 0) {
                        continue;
                    }
                    double half = s.ri() * Math.sqrt(rest);
                    int first = Math.max(0, (int) Math.ceil(s.ci() - half));
                    int last = Math.min(nx - 1, (int) Math.floor(s.ci() + half));
                    for (int i = first; i <= last; i++) {
                        double di = (i - s.ci()) / s.ri();
                        double d = dk * dk + dj * dj + di * di;
                        if (d < nearest[i]) {
                            nearest[i] = d;
                            owner[i] = s.id();
                        }
                    }
                }
                double y = (j - ny / 2.0) / (BODY_HALF_DEPTH * ny);
                int row = grid.index(0, j, k);
                for (int i = 0; i < nx; i++) {
                    double x = (i - nx / 2.0) / (BODY_HALF_WIDTH * nx);
                    double body = x * x + y * y;
                    int v = row + i;
                    short id = body < 1 ? owner[i] : 0;
                    int base = id != 0 ? byId[id].hu()
                            : body >= 1 ? AIR_HU : body >= FAT_FROM ? FAT_HU : body >= WALL_FROM ? MUSCLE_HU
                            : ABDOMEN_HU;
                    labels[v] = id;
                    hu[v] = (short) (base + noise(seed, v));
                }
            }
        }
    }

    /** Triangular noise in {@code [-NOISE_HU, NOISE_HU]} from a SplitMix64 hash of the seed and the voxel index. */
    private static int noise(long seed, int voxel) {
        long z = seed + (voxel + 1L) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        int sum = (int) (z & 0xFFFF) + (int) ((z >>> 16) & 0xFFFF);
        return (int) Math.round((sum / 65535.0 - 1) * NOISE_HU);
    }

    /** 0.8 x 0.8 x 2.5 mm, LPS, origin at the first voxel's centre. */
    public Grid grid() {
        return grid;
    }

    /** N: the label map holds ids 1..N, each on at least one voxel. */
    public int structureCount() {
        return structureCount;
    }

    /** Hounsfield units of voxel {@code index} (x fastest). */
    public short hu(int index) {
        return hu[index];
    }

    /** Structure id of voxel {@code index} (x fastest), 0 for none. */
    public int label(int index) {
        return labels[index];
    }

    /** Voxels per structure id, index 0 counting the unlabelled ones. */
    public long[] voxelCounts() {
        long[] counts = new long[structureCount + 1];
        for (short id : labels) {
            counts[id]++;
        }
        return counts;
    }

    /**
     * Writes the image (int16) and the labels (uint8 up to 255 structures, else int16) as NIfTI-1 files, gzip
     * compressed when a name ends with {@code .gz}, streaming in chunks: nothing of the volume's size is
     * allocated.
     */
    public void write(Path image, Path labelMap) throws IOException {
        NiftiHeader header = NiftiHeader.forGrid(grid);
        NiftiWriter.writeInt16(image, grid, hu, header);
        NiftiWriter.writeLabels(labelMap, grid, labels, header);
    }
}
