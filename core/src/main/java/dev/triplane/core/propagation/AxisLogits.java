package dev.triplane.core.propagation;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.VoxelBox;
import java.io.Closeable;
import java.util.Arrays;

/**
 * The SAM2 logits of many structures propagated along one axis of a volume in RAS+ order: what an axis job
 * produces and fusion consumes. Each structure spans only its own frames ({@code first..last} along the axis, the
 * frames the engine segmented it on), and each of those frames holds only the rectangle of pixels above
 * {@link #FLOOR}, as float16 (logits need no more than 3 significant digits). Every other voxel is
 * {@link #ABSENT}: fusion clamps logits to [{@code FLOOR}, {@code -FLOOR}], so a voxel at or below the floor and
 * an absent one fuse alike under every rule, and a structure costs memory in proportion to the region where SAM2
 * saw it, not to the volume.
 *
 * <p>Where the rectangles' values live is up to the subclass: {@link LogitVolume} (the heap or a spill file,
 * written frame by frame by the engine) or {@link StoredLogits} (a stored object, read frame by frame). Not
 * thread-safe: one thread per instance.
 */
public abstract sealed class AxisLogits implements Closeable permits LogitVolume, StoredLogits {

    /** Logit of a voxel the structure was not seen on (SAM2's {@code NO_OBJ_SCORE}). */
    public static final float ABSENT = -1024f;
    /** Logits at or below this carry nothing for any fusion rule; they are stored as {@link #ABSENT}. */
    public static final float FLOOR = -32f;

    static final short ABSENT_HALF = Float16.fromFloat(ABSENT);

    private final Grid grid;
    private final Axis axis;
    private final AxisFrames frames;
    private final int[] ids;
    private final int[] firsts;
    private final int[] lasts;
    private final int[] slotBase;
    /** Per slot (a frame of a structure): x0, y0, width, height of its rectangle; width 0 for none. */
    private final int[] rects;
    private short[] scratch;

    /**
     * @param ids    structure ids, distinct
     * @param firsts first frame of each structure
     * @param lasts  last frame of each structure ({@code first - 1} for none)
     * @throws IllegalArgumentException for ranges outside the axis or repeated ids
     */
    AxisLogits(Grid grid, Axis axis, int[] ids, int[] firsts, int[] lasts) {
        this.grid = grid;
        this.axis = axis;
        this.frames = new AxisFrames(grid, axis);
        if (ids.length != firsts.length || ids.length != lasts.length
                || Arrays.stream(ids).distinct().count() != ids.length) {
            throw new IllegalArgumentException("one frame range per structure, distinct ids: " + Arrays.toString(ids));
        }
        this.ids = ids.clone();
        this.firsts = firsts.clone();
        this.lasts = lasts.clone();
        this.slotBase = new int[ids.length + 1];
        for (int i = 0; i < ids.length; i++) {
            if (firsts[i] < 0 || lasts[i] >= frames.frameCount() || lasts[i] < firsts[i] - 1) {
                throw new IllegalArgumentException("structure " + ids[i] + ": frames " + firsts[i] + ".." + lasts[i]
                        + " outside 0.." + (frames.frameCount() - 1));
            }
            slotBase[i + 1] = slotBase[i] + lasts[i] - firsts[i] + 1;
        }
        this.rects = new int[4 * slotBase[ids.length]];
    }

    public Grid grid() {
        return grid;
    }

    public Axis axis() {
        return axis;
    }

    /** The frame layout along the axis. */
    public AxisFrames frames() {
        return frames;
    }

    public int structureCount() {
        return ids.length;
    }

    public int id(int structure) {
        return ids[structure];
    }

    /** Structure ids in their order. */
    public int[] ids() {
        return ids.clone();
    }

    public int first(int structure) {
        return firsts[structure];
    }

    public int last(int structure) {
        return lasts[structure];
    }

    /** Index of a structure id, or -1. */
    public int indexOf(int id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }

    /** Copies a frame of a structure into {@code out} ({@link AxisFrames#frameSize()} pixels). */
    public void copyFrame(int structure, int frame, float[] out) {
        Arrays.fill(out, 0, frames.frameSize(), ABSENT);
        if (frame < firsts[structure] || frame > lasts[structure]) {
            return;
        }
        int slot = slot(structure, frame);
        int w = rects[4 * slot + 2];
        if (w == 0) {
            return;
        }
        int x0 = rects[4 * slot];
        int y0 = rects[4 * slot + 1];
        int h = rects[4 * slot + 3];
        short[] values = scratch();
        readRect(slot, values);
        int fw = frames.frameWidth();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[(y0 + y) * fw + x0 + x] = Float16.toFloat(values[y * w + x]);
            }
        }
    }

    /** The logits of a structure on the whole RAS+ grid, flat, i fastest: for small volumes (tests, checks). */
    public float[] toVolume(int structure) {
        float[] volume = new float[grid.voxelCount()];
        float[] frame = new float[frames.frameSize()];
        Arrays.fill(volume, ABSENT);
        for (int t = firsts[structure]; t <= lasts[structure]; t++) {
            copyFrame(structure, t, frame);
            frames.putFrame(frame, t, volume);
        }
        return volume;
    }

    /** The smallest box of the RAS+ grid holding every voxel of a structure above {@link #FLOOR}. */
    public VoxelBox extent(int structure) {
        int[] lo = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE};
        int[] hi = {-1, -1, -1};
        int a = axis.arrayAxis();
        int wa = axis.widthAxis();
        int ha = axis.heightAxis();
        for (int t = firsts[structure]; t <= lasts[structure]; t++) {
            int r = 4 * slot(structure, t);
            if (rects[r + 2] == 0) {
                continue;
            }
            lo[a] = Math.min(lo[a], t);
            hi[a] = Math.max(hi[a], t);
            lo[wa] = Math.min(lo[wa], rects[r]);
            hi[wa] = Math.max(hi[wa], rects[r] + rects[r + 2] - 1);
            lo[ha] = Math.min(lo[ha], rects[r + 1]);
            hi[ha] = Math.max(hi[ha], rects[r + 1] + rects[r + 3] - 1);
        }
        return VoxelBox.of(lo, hi);
    }

    /**
     * Writes a structure's logits on {@code box} into {@code out} as float16 bits, flat over the box with i
     * fastest; {@link #ABSENT} where it holds nothing. Reads only the frames that cross the box.
     *
     * @param out at least {@code box.voxelCount()} elements
     */
    public void fill(int structure, VoxelBox box, short[] out) {
        long n = box.voxelCount();
        if (out.length < n) {
            throw new IllegalArgumentException("the box has " + n + " voxels, the array " + out.length);
        }
        Arrays.fill(out, 0, (int) n, ABSENT_HALF);
        if (n == 0) {
            return;
        }
        int a = axis.arrayAxis();
        int wa = axis.widthAxis();
        int ha = axis.heightAxis();
        int[] stride = {1, box.size(0), box.size(0) * box.size(1)};
        int sw = stride[wa];
        short[] values = scratch();
        int tTo = Math.min(lasts[structure], box.hi(a));
        for (int t = Math.max(firsts[structure], box.lo(a)); t <= tTo; t++) {
            int slot = slot(structure, t);
            int r = 4 * slot;
            int w = rects[r + 2];
            if (w == 0) {
                continue;
            }
            int x0 = rects[r];
            int y0 = rects[r + 1];
            int xFrom = Math.max(x0, box.lo(wa));
            int xTo = Math.min(x0 + w - 1, box.hi(wa));
            int yFrom = Math.max(y0, box.lo(ha));
            int yTo = Math.min(y0 + rects[r + 3] - 1, box.hi(ha));
            if (xFrom > xTo || yFrom > yTo) {
                continue;
            }
            readRect(slot, values);
            int base = (t - box.lo(a)) * stride[a] + (xFrom - box.lo(wa)) * sw;
            for (int y = yFrom; y <= yTo; y++) {
                int o = base + (y - box.lo(ha)) * stride[ha];
                int src = (y - y0) * w + xFrom - x0;
                for (int x = xFrom; x <= xTo; x++) {
                    out[o] = values[src++];
                    o += sw;
                }
            }
        }
    }

    /** Frees what the values take outside the heap (a spill file, an open object); a no-op by default. */
    @Override
    public void close() {
    }

    /** Slots of all structures: one per frame of each structure's range. */
    final int slotCount() {
        return slotBase[ids.length];
    }

    final int slot(int structure, int frame) {
        if (frame < firsts[structure] || frame > lasts[structure]) {
            throw new IllegalArgumentException("frame " + frame + " is outside the frames " + firsts[structure]
                    + ".." + lasts[structure] + " of structure " + ids[structure]);
        }
        return slotBase[structure] + frame - firsts[structure];
    }

    /** The rectangle of a slot: {x0, y0, width, height}; width 0 when it holds nothing. */
    final int[] rect(int slot) {
        return Arrays.copyOfRange(rects, 4 * slot, 4 * slot + 4);
    }

    final void setRect(int slot, int x0, int y0, int w, int h) {
        int r = 4 * slot;
        rects[r] = x0;
        rects[r + 1] = y0;
        rects[r + 2] = w;
        rects[r + 3] = h;
    }

    /** A frame-sized buffer for one read at a time. */
    final short[] scratch() {
        if (scratch == null) {
            scratch = new short[frames.frameSize()];
        }
        return scratch;
    }

    /** Reads the float16 values of a slot's rectangle, row-major, into {@code dst}. */
    abstract void readRect(int slot, short[] dst);
}
