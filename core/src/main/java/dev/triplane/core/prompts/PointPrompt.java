package dev.triplane.core.prompts;

/**
 * A click on a frame, in frame pixel coordinates: x along the frame width, y along its height (see
 * {@link dev.triplane.core.geometry.Axis}), pixel centres at integers, so 0 <= x <= width - 1. The engine
 * scales them to the model's input size.
 *
 * @param x column
 * @param y row
 * @param positive true for a foreground click (SAM2 label 1), false for background (label 0)
 */
public record PointPrompt(double x, double y, boolean positive) {
    public PointPrompt {
        if (!Double.isFinite(x) || !Double.isFinite(y)) {
            throw new IllegalArgumentException("point (" + x + ", " + y + ") is not finite");
        }
    }

    /** SAM2's point label: 1 positive, 0 negative. */
    public int label() {
        return positive ? 1 : 0;
    }
}
