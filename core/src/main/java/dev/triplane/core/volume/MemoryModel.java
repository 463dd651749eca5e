package dev.triplane.core.volume;

import java.util.ArrayList;
import java.util.List;

/**
 * What each service of the pipeline holds in its heap for one request, in bytes, as a formula of the volume's
 * voxel count V, its structure count S and the frames F of its longest axis. Ingest compares these estimates with
 * the services' heap budgets before it sends any job, so a request that cannot fit ends at the door instead of in
 * an {@code OutOfMemoryError} halfway through the pipeline.
 *
 * <ul>
 *   <li>axis-worker: {@code 16 V + S (bank + 28 F)}: the image as float32 and its RAS+ copy (4 V each), the
 *       reference labels as int32 and their RAS+ copy (4 V each), and per structure its SAM2 memory bank and its
 *       logit index (28 bytes per frame: rectangle and spill offset);</li>
 *   <li>fusion-service: {@code 20 V}: labels int32, score and uncertainty float32 (12 V) for the whole run, then
 *       either up to three float16 box buffers of the axes being fused (6 V at worst, a box as large as the
 *       volume) or, when writing, the copies reoriented back to the image's grid (labels and uncertainty, 8 V);
 *       never both;</li>
 *   <li>metrics-service: {@code (8 + b) V} with labels, 0 without: prediction and reference as int32 (8 V) and
 *       the stored voxels of the map being converted ({@code b} bytes each, the widest of the two label maps).
 *       Each structure is then measured on its union bounding box (about 8 bytes per voxel of the box, one
 *       structure per core at a time), which the door cannot know before fusion.</li>
 * </ul>
 *
 * @param bankBytesPerStructure what one structure's SAM2 memory bank holds at most
 */
public record MemoryModel(long bankBytesPerStructure) {

    /**
     * SAM2.1 at 1024 px: a memory frame is 64 x 64 tokens of 64 float32 channels (1 MiB); a structure keeps the six
     * tracked frames of the memory window and its prompted frames (two by default), each prompted frame also with
     * its 256 x 256 float32 low-resolution mask.
     */
    public static final long SAM2_BANK_BYTES = (8L << 20) + 2 * (256L << 10);
    /** Logit index of one frame of one structure on the worker: x0, y0, width, height, spill offset and length. */
    public static final long INDEX_BYTES_PER_FRAME = 28;

    public MemoryModel {
        if (bankBytesPerStructure < 0) {
            throw new IllegalArgumentException("bank bytes per structure must be >= 0: " + bankBytesPerStructure);
        }
    }

    /** The model of the SAM2.1 exports ({@link #SAM2_BANK_BYTES}). */
    public static MemoryModel sam2() {
        return new MemoryModel(SAM2_BANK_BYTES);
    }

    /** Bytes an axis-worker holds for one job of the request. */
    public long worker(Grid grid, int structures) {
        long frames = Math.max(grid.nx(), Math.max(grid.ny(), grid.nz()));
        return 16 * voxels(grid) + structures * (bankBytesPerStructure + INDEX_BYTES_PER_FRAME * frames);
    }

    /** Bytes fusion-service holds while fusing the request and writing its results. */
    public long fusion(Grid grid) {
        return 20 * voxels(grid);
    }

    /**
     * Bytes metrics-service holds before measuring the structures' boxes.
     *
     * @param labelBytesPerVoxel bytes per stored voxel of the widest label map, 0 when the request has no
     *                           reference labels (nothing is measured)
     */
    public long metrics(Grid grid, int labelBytesPerVoxel) {
        return labelBytesPerVoxel == 0 ? 0 : (8 + labelBytesPerVoxel) * voxels(grid);
    }

    /**
     * The services whose estimate for a request exceeds their budget, each as "service: estimate over budget" in
     * MiB; empty when the request fits everywhere.
     *
     * @param labelBytesPerVoxel as {@link #metrics}
     */
    public List<String> overBudget(Grid grid, int structures, int labelBytesPerVoxel, Budgets budgets) {
        List<String> over = new ArrayList<>();
        check(over, "axis-worker", worker(grid, structures), budgets.worker());
        check(over, "fusion-service", fusion(grid), budgets.fusion());
        check(over, "metrics-service", metrics(grid, labelBytesPerVoxel), budgets.metrics());
        return over;
    }

    private static void check(List<String> over, String service, long estimate, long budget) {
        if (estimate > budget) {
            over.add(service + ": estimated " + (estimate >> 20) + " MiB over its budget of " + (budget >> 20)
                    + " MiB");
        }
    }

    /** Bytes each service may spend on one request. */
    public record Budgets(long worker, long fusion, long metrics) {
    }

    private static long voxels(Grid grid) {
        return (long) grid.nx() * grid.ny() * grid.nz();
    }
}
