package dev.triplane.core.prompts;

/**
 * The frames of an axis that are propagated, first to last inclusive: the pseudo-video the engine builds.
 *
 * @param first first frame, >= 0
 * @param last last frame, >= first
 */
public record FrameRange(int first, int last) {

    /** Frames beyond a label-derived structure's extent that are still propagated, per side. */
    public static final int DEFAULT_MARGIN = 2;

    public FrameRange {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("frame range " + first + ".." + last + " is empty or negative");
        }
    }

    /** Every frame of an axis with {@code frameCount} frames (user prompts: the object score decides presence). */
    public static FrameRange whole(int frameCount) {
        return new FrameRange(0, frameCount - 1);
    }

    /** The extent {@code first..last} grown by {@code margin} frames per side, clamped to the axis. */
    public static FrameRange around(int first, int last, int margin, int frameCount) {
        if (margin < 0 || first < 0 || last >= frameCount) {
            throw new IllegalArgumentException("extent " + first + ".." + last + " with margin " + margin
                    + " does not fit an axis of " + frameCount + " frames");
        }
        return new FrameRange(Math.max(0, first - margin), Math.min(frameCount - 1, last + margin));
    }

    /** L, the number of frames. */
    public int length() {
        return last - first + 1;
    }

    public boolean contains(int frame) {
        return frame >= first && frame <= last;
    }
}
