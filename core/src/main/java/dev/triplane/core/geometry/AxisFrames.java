package dev.triplane.core.geometry;

import dev.triplane.core.volume.Grid;
import java.lang.reflect.Array;

/**
 * The frames of a volume along one {@link Axis}: copies 2D slices out of a flat voxel array and back in,
 * without copying the volume per frame.
 *
 * <p>The volume is in RAS+ voxel order (see {@link Reorientation}), flat, x fastest. A frame is row-major,
 * width fastest: {@code frame[x + width * y]}; width and height run along {@link Axis#widthAxis()} and
 * {@link Axis#heightAxis()} (axial: i, j; coronal: i, k; sagittal: j, k), each in increasing voxel index.
 * This object holds only geometry, so one instance serves the image, label and logit volumes of a grid.
 * Immutable and thread-safe.
 */
public final class AxisFrames {

    private final Axis axis;
    private final int voxelCount;
    private final int frameCount;
    private final int[] box;
    private final int frameStride;
    private final int widthStride;
    private final int heightStride;
    private final int[] frameWalk;

    public AxisFrames(Grid grid, Axis axis) {
        this.axis = axis;
        int[] shape = grid.shape();
        int[] stride = {1, shape[0], shape[0] * shape[1]};
        voxelCount = grid.voxelCount();
        frameCount = shape[axis.arrayAxis()];
        box = new int[] {shape[axis.widthAxis()], shape[axis.heightAxis()], 1};
        frameStride = stride[axis.arrayAxis()];
        widthStride = stride[axis.widthAxis()];
        heightStride = stride[axis.heightAxis()];
        frameWalk = new int[] {0, 1, box[0], 0};
    }

    public Axis axis() {
        return axis;
    }

    public int frameCount() {
        return frameCount;
    }

    public int frameWidth() {
        return box[0];
    }

    public int frameHeight() {
        return box[1];
    }

    /** Pixels per frame, {@code frameWidth() * frameHeight()}. */
    public int frameSize() {
        return box[0] * box[1];
    }

    /** Copies frame {@code t} of {@code volume} into {@code frame} ({@link #frameSize()} elements). */
    public void copyFrame(float[] volume, int t, float[] frame) {
        copyOut(volume, t, frame);
    }

    public void copyFrame(int[] volume, int t, int[] frame) {
        copyOut(volume, t, frame);
    }

    public void copyFrame(boolean[] volume, int t, boolean[] frame) {
        copyOut(volume, t, frame);
    }

    /** Writes {@code frame} into frame {@code t} of {@code volume}; the inverse of copyFrame. */
    public void putFrame(float[] frame, int t, float[] volume) {
        copyIn(frame, t, volume);
    }

    public void putFrame(int[] frame, int t, int[] volume) {
        copyIn(frame, t, volume);
    }

    public void putFrame(boolean[] frame, int t, boolean[] volume) {
        copyIn(frame, t, volume);
    }

    private void copyOut(Object volume, int t, Object frame) {
        StridedCopy.copy(box, volume, volumeWalk(volume, t, frame), frame, frameWalk);
    }

    private void copyIn(Object frame, int t, Object volume) {
        StridedCopy.copy(box, frame, frameWalk, volume, volumeWalk(volume, t, frame));
    }

    private int[] volumeWalk(Object volume, int t, Object frame) {
        if (t < 0 || t >= frameCount) {
            throw new IndexOutOfBoundsException(axis.id() + " frame " + t + " outside 0.." + (frameCount - 1));
        }
        if (Array.getLength(volume) != voxelCount || Array.getLength(frame) != frameSize()) {
            throw new IllegalArgumentException("volume needs " + voxelCount + " voxels and frame " + frameSize()
                    + " pixels, got " + Array.getLength(volume) + " and " + Array.getLength(frame));
        }
        return new int[] {t * frameStride, widthStride, heightStride, 0};
    }
}
