package dev.triplane.core.prompts;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.FrameMask;
import java.util.List;

/**
 * The prompts of one structure on one frame of an axis (a conditioning frame): points, a box, a mask, or
 * a combination. Frames are those of the volume in RAS+ voxel order ({@link dev.triplane.core.geometry.AxisFrames}).
 *
 * @param structureId label id of the structure, positive
 * @param axis the axis whose frame this is
 * @param frame frame index along {@code axis}
 * @param points clicks, possibly empty
 * @param box the box, or null
 * @param mask the mask (frame-sized), or null
 */
public record FramePrompt(int structureId, Axis axis, int frame, List<PointPrompt> points, BoxPrompt box,
        FrameMask mask) {

    public FramePrompt {
        points = List.copyOf(points);
        if (structureId <= 0 || frame < 0 || axis == null) {
            throw new IllegalArgumentException("prompt needs a positive structure id, an axis and a frame >= 0");
        }
        if (points.isEmpty() && box == null && mask == null) {
            throw new IllegalArgumentException("prompt of structure " + structureId + " on " + axis.id() + " frame "
                    + frame + " has no point, box or mask");
        }
    }

    public boolean hasBox() {
        return box != null;
    }

    public boolean hasMask() {
        return mask != null;
    }
}
