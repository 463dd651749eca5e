package dev.triplane.core.sam2;

/**
 * A prompt for one structure on one frame, in video pixels (x = column, y = row of the frame).
 *
 * <p>Points and a box may be combined (the box's two corners go first, labels 2 and 3, as the official
 * predictor places them); a mask prompt stands alone.
 *
 * @param frame frame index in the video
 * @param points clicks as (x, y) pairs [2N], possibly empty
 * @param labels [N]: 1 positive, 0 negative
 * @param box (x0, y0, x1, y1) or null
 * @param mask the structure's frame mask [height * width], row-major, or null
 * @param previousLogits the frame's output of an earlier run [height * width], row-major, or null: clicks that
 *     correct it go in on top of it (SAM2's {@code add_new_points_or_box} on a frame that already has an output
 *     feeds that output to the decoder as its mask input); only with points or a box
 */
public record FramePrompt(int frame, float[] points, int[] labels, float[] box, boolean[] mask,
        float[] previousLogits) {

    public FramePrompt {
        if (frame < 0 || points == null || labels == null || points.length != 2 * labels.length
                || (box != null && box.length != 4)) {
            throw new IllegalArgumentException("prompt on frame " + frame + ": frame >= 0, points as (x, y) pairs "
                    + "with one label each, box as (x0, y0, x1, y1)");
        }
        if (mask != null && (labels.length > 0 || box != null)) {
            throw new IllegalArgumentException("prompt on frame " + frame + ": a mask prompt stands alone");
        }
        if (previousLogits != null && mask != null) {
            throw new IllegalArgumentException("prompt on frame " + frame + ": a mask replaces the frame's output, "
                    + "only clicks or a box go on top of it");
        }
        if (mask == null && labels.length == 0 && box == null) {
            throw new IllegalArgumentException("prompt on frame " + frame + " is empty");
        }
        for (int l : labels) {
            if (l != 0 && l != 1) {
                throw new IllegalArgumentException("point labels are 1 (positive) or 0 (negative), got " + l);
            }
        }
    }

    /** Points, box and mask without an earlier output. */
    public FramePrompt(int frame, float[] points, int[] labels, float[] box, boolean[] mask) {
        this(frame, points, labels, box, mask, null);
    }

    /** Positive/negative clicks. */
    public static FramePrompt points(int frame, float[] points, int[] labels) {
        return new FramePrompt(frame, points, labels, null, null);
    }

    /** A box (x0, y0, x1, y1). */
    public static FramePrompt box(int frame, float x0, float y0, float x1, float y1) {
        return new FramePrompt(frame, new float[0], new int[0], new float[] {x0, y0, x1, y1}, null);
    }

    /** The structure's mask on the frame. */
    public static FramePrompt mask(int frame, boolean[] mask) {
        return new FramePrompt(frame, new float[0], new int[0], null, mask);
    }

    public boolean isMask() {
        return mask != null;
    }

    /** Points the decoder sees: box corners plus clicks. */
    public int pointCount() {
        return labels.length + (box == null ? 0 : 2);
    }
}
