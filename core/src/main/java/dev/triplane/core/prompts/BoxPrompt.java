package dev.triplane.core.prompts;

/**
 * A box on a frame, in frame pixel coordinates (pixel centres at integers), both corners inclusive: a box
 * derived from a label runs from the first to the last pixel of the structure. SAM2 reads it as two points
 * with labels 2 and 3.
 *
 * @param x0 left column
 * @param y0 top row
 * @param x1 right column, >= x0
 * @param y1 bottom row, >= y0
 */
public record BoxPrompt(double x0, double y0, double x1, double y1) {
    public BoxPrompt {
        if (!(x0 <= x1 && y0 <= y1) || !Double.isFinite(x0 + y0 + x1 + y1)) {
            throw new IllegalArgumentException("box (" + x0 + ", " + y0 + ", " + x1 + ", " + y1
                    + ") needs finite corners with x0 <= x1 and y0 <= y1");
        }
    }
}
