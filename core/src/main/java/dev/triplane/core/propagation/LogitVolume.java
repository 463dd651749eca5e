package dev.triplane.core.propagation;

import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.volume.Grid;
import java.util.Arrays;

/**
 * The SAM2 logits of many structures propagated along one axis of a volume in RAS+ order: what an axis job
 * produces and fusion consumes. Each structure holds only its own frames ({@code first..last} along the axis, the
 * frames the engine segmented it on), as float16 (2 bytes a voxel; logits need no more than 3 significant
 * digits, and a full-float volume per structure would not fit in memory for many structures); every other voxel
 * is {@link #ABSENT}.
 */
public final class LogitVolume {

    /** Logit of a voxel on a frame the structure was not segmented on (SAM2's {@code NO_OBJ_SCORE}). */
    public static final float ABSENT = -1024f;

    private static final short ABSENT_HALF = Float16.fromFloat(ABSENT);

    private final Grid grid;
    private final Axis axis;
    private final AxisFrames frames;
    private final int[] ids;
    private final int[] firsts;
    private final int[] lasts;
    private final short[][] halves;

    /**
     * A volume with every voxel {@link #ABSENT}.
     *
     * @param grid   the RAS+ grid of the volume
     * @param ids    structure ids, distinct
     * @param firsts first frame of each structure
     * @param lasts  last frame of each structure ({@code first - 1} for none)
     */
    public LogitVolume(Grid grid, Axis axis, int[] ids, int[] firsts, int[] lasts) {
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
        this.halves = new short[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            if (firsts[i] < 0 || lasts[i] >= frames.frameCount() || lasts[i] < firsts[i] - 1) {
                throw new IllegalArgumentException("structure " + ids[i] + ": frames " + firsts[i] + ".." + lasts[i]
                        + " outside 0.." + (frames.frameCount() - 1));
            }
            long n = (long) (lasts[i] - firsts[i] + 1) * frames.frameSize();
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("structure " + ids[i] + ": " + n + " voxels is too many");
            }
            halves[i] = new short[(int) n];
            Arrays.fill(halves[i], ABSENT_HALF);
        }
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

    /** Sets a frame of a structure inside its frames; {@code logits} is [frame height * frame width]. */
    public void putFrame(int structure, int frame, float[] logits) {
        int offset = offset(structure, frame);
        short[] h = halves[structure];
        for (int p = 0; p < logits.length; p++) {
            h[offset + p] = Float16.fromFloat(logits[p]);
        }
    }

    /** Keeps, per pixel of a frame of a structure inside its frames, the larger of what it holds and {@code logits}. */
    public void maxFrame(int structure, int frame, float[] logits) {
        int offset = offset(structure, frame);
        short[] h = halves[structure];
        for (int p = 0; p < logits.length; p++) {
            // float16 rounding is monotonic, so the max of the rounded values is the rounded max
            short v = Float16.fromFloat(logits[p]);
            if (Float16.toFloat(v) > Float16.toFloat(h[offset + p])) {
                h[offset + p] = v;
            }
        }
    }

    /** Copies a frame of a structure into {@code out}; {@link #ABSENT} outside its frames. */
    public void copyFrame(int structure, int frame, float[] out) {
        if (frame < firsts[structure] || frame > lasts[structure]) {
            Arrays.fill(out, 0, frames.frameSize(), ABSENT);
            return;
        }
        int offset = offset(structure, frame);
        short[] h = halves[structure];
        for (int p = 0; p < frames.frameSize(); p++) {
            out[p] = Float16.toFloat(h[offset + p]);
        }
    }

    /** The logits of a structure on the whole RAS+ grid, flat, x fastest. */
    public float[] toVolume(int structure) {
        return toVolume(structure, new float[grid.voxelCount()]);
    }

    /**
     * {@link #toVolume(int)} into {@code volume}, which it overwrites whole: one array serves structure after
     * structure.
     *
     * @return {@code volume}
     */
    public float[] toVolume(int structure, float[] volume) {
        if (volume.length != grid.voxelCount()) {
            throw new IllegalArgumentException("the grid has " + grid.voxelCount() + " voxels, the array "
                    + volume.length);
        }
        Arrays.fill(volume, ABSENT);
        float[] frame = new float[frames.frameSize()];
        for (int t = firsts[structure]; t <= lasts[structure]; t++) {
            copyFrame(structure, t, frame);
            frames.putFrame(frame, t, volume);
        }
        return volume;
    }

    /** The float16 bits of a structure's frames, frame after frame: the stored form (not copied). */
    short[] halves(int structure) {
        return halves[structure];
    }

    private int offset(int structure, int frame) {
        if (frame < firsts[structure] || frame > lasts[structure]) {
            throw new IllegalArgumentException("frame " + frame + " is outside the frames " + firsts[structure]
                    + ".." + lasts[structure] + " of structure " + ids[structure]);
        }
        return (frame - firsts[structure]) * frames.frameSize();
    }
}
