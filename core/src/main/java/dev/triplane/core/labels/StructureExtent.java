package dev.triplane.core.labels;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.util.Optional;

/**
 * Where one structure lies in a label volume in RAS+ order: for each {@link Axis}, the first and last frame
 * that hold at least one of its voxels, plus its voxel count. Frames between them may still be empty when
 * the structure has several parts. Immutable.
 */
public final class StructureExtent {

    private final int id;
    private final int voxelCount;
    private final int[] first;
    private final int[] last;

    private StructureExtent(int id, int voxelCount, int[] first, int[] last) {
        this.id = id;
        this.voxelCount = voxelCount;
        this.first = first;
        this.last = last;
    }

    /** The extent of label {@code id}; empty when no voxel carries it. */
    public static Optional<StructureExtent> of(LabelVolume ras, int id) {
        Grid g = ras.grid();
        int[] labels = ras.labels();
        int[] first = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE};
        int[] last = {-1, -1, -1};
        int count = 0;
        int v = 0;
        for (int k = 0; k < g.nz(); k++) {
            for (int j = 0; j < g.ny(); j++) {
                for (int i = 0; i < g.nx(); i++, v++) {
                    if (labels[v] == id) {
                        count++;
                        first[0] = Math.min(first[0], i);
                        last[0] = Math.max(last[0], i);
                        first[1] = Math.min(first[1], j);
                        last[1] = Math.max(last[1], j);
                        first[2] = Math.min(first[2], k);
                        last[2] = k;
                    }
                }
            }
        }
        return count == 0 ? Optional.empty() : Optional.of(new StructureExtent(id, count, first, last));
    }

    /**
     * Voxels of label {@code id} in each frame along {@code axis}: {@code areas[t]} for every frame t of the
     * volume (zeros outside the extent).
     */
    public static int[] frameAreas(LabelVolume ras, int id, Axis axis) {
        Grid g = ras.grid();
        int[] labels = ras.labels();
        int[] areas = new int[g.shape()[axis.arrayAxis()]];
        int v = 0;
        for (int k = 0; k < g.nz(); k++) {
            for (int j = 0; j < g.ny(); j++) {
                for (int i = 0; i < g.nx(); i++, v++) {
                    if (labels[v] == id) {
                        areas[axis == Axis.AXIAL ? k : axis == Axis.CORONAL ? j : i]++;
                    }
                }
            }
        }
        return areas;
    }

    public int id() {
        return id;
    }

    public int voxelCount() {
        return voxelCount;
    }

    /** First frame along {@code axis} that holds the structure. */
    public int first(Axis axis) {
        return first[axis.arrayAxis()];
    }

    /** Last frame along {@code axis} that holds the structure (inclusive). */
    public int last(Axis axis) {
        return last[axis.arrayAxis()];
    }

    /** Frames from first to last inclusive. */
    public int length(Axis axis) {
        return last(axis) - first(axis) + 1;
    }

    @Override
    public String toString() {
        return "label " + id + " (" + voxelCount + " voxels) i " + first[0] + ".." + last[0] + ", j " + first[1]
                + ".." + last[1] + ", k " + first[2] + ".." + last[2];
    }
}
