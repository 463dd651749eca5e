package dev.triplane.core.labels;

import dev.triplane.core.distance.DistanceTransform;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.volume.LabelVolume;
import java.util.Arrays;
import java.util.Optional;

/**
 * One structure in one frame: a 2D binary mask, row-major, width fastest, as {@link AxisFrames} lays frames
 * out. Source of the derived prompts (box, farthest interior point, mask).
 *
 * @param width pixels per row
 * @param height rows
 * @param pixels {@code width * height}; owned by this mask, not copied
 */
public record FrameMask(int width, int height, boolean[] pixels) {

    public FrameMask {
        if (width <= 0 || height <= 0 || pixels.length != width * height) {
            throw new IllegalArgumentException("mask of " + pixels.length + " pixels is not " + width + "x" + height);
        }
    }

    /** Frame {@code t} along {@code axis} of a label volume in RAS+ order, as the mask of label {@code id}. */
    public static FrameMask of(LabelVolume ras, int id, Axis axis, int t) {
        AxisFrames frames = new AxisFrames(ras.grid(), axis);
        int[] labels = new int[frames.frameSize()];
        frames.copyFrame(ras.labels(), t, labels);
        boolean[] pixels = new boolean[labels.length];
        for (int p = 0; p < labels.length; p++) {
            pixels[p] = labels[p] == id;
        }
        return new FrameMask(frames.frameWidth(), frames.frameHeight(), pixels);
    }

    /** Foreground pixel count. */
    public int area() {
        int n = 0;
        for (boolean p : pixels) {
            if (p) {
                n++;
            }
        }
        return n;
    }

    /** Empty when the structure is absent from the frame. */
    public Optional<BoundingBox> boundingBox() {
        int x0 = width;
        int y0 = height;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (pixels[x + width * y]) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        return x1 < 0 ? Optional.empty() : Optional.of(new BoundingBox(x0, y0, x1, y1));
    }

    /**
     * The maximum of the in-frame Euclidean distance transform to background (outside the frame counts as
     * background). Ties go to the first pixel in row-major order (smallest y, then smallest x), as numpy's
     * argmax on the padded {@code scipy.ndimage.distance_transform_edt}. Empty when the structure is absent.
     */
    public Optional<InteriorPoint> farthestInteriorPoint() {
        // A ring of background pixels around the frame makes outside the frame count as background.
        int paddedWidth = width + 2;
        boolean[] background = new boolean[paddedWidth * (height + 2)];
        Arrays.fill(background, true);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                background[x + 1 + paddedWidth * (y + 1)] = !pixels[x + width * y];
            }
        }
        int[] squared = DistanceTransform.squaredDistances2d(background, paddedWidth, height + 2);
        int best = -1;
        int bestSquared = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int d = squared[x + 1 + paddedWidth * (y + 1)];
                if (pixels[x + width * y] && d > bestSquared) {
                    best = x + width * y;
                    bestSquared = d;
                }
            }
        }
        return best < 0 ? Optional.empty()
                : Optional.of(new InteriorPoint(best % width, best / width, Math.sqrt(bestSquared)));
    }
}
