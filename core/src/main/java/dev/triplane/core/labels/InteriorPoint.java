package dev.triplane.core.labels;

/**
 * The pixel of a structure farthest from its border in a frame.
 *
 * @param x column (frame width axis)
 * @param y row (frame height axis)
 * @param distance Euclidean distance in pixels to the nearest background pixel (outside the frame counts
 *     as background), at least 1
 */
public record InteriorPoint(int x, int y, double distance) {
}
