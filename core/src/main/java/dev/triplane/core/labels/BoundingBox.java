package dev.triplane.core.labels;

/**
 * A tight box around a structure in a frame, in frame pixel coordinates, both corners inclusive
 * (x along the frame width, y along its height; see {@code dev.triplane.core.geometry.Axis}).
 */
public record BoundingBox(int x0, int y0, int x1, int y1) {

    public int width() {
        return x1 - x0 + 1;
    }

    public int height() {
        return y1 - y0 + 1;
    }
}
