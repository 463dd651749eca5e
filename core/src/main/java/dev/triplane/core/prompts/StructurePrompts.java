package dev.triplane.core.prompts;

import dev.triplane.core.geometry.Axis;
import java.util.List;

/**
 * Everything the engine needs to segment one structure along one axis: the propagated frames and the
 * prompted frames inside them.
 *
 * @param structureId label id, positive
 * @param axis the axis
 * @param range the frames to propagate over (the pseudo-video)
 * @param prompts one per prompted frame, ascending frame order, all inside {@code range}
 */
public record StructurePrompts(int structureId, Axis axis, FrameRange range, List<FramePrompt> prompts) {

    public StructurePrompts {
        prompts = List.copyOf(prompts);
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("structure " + structureId + " on " + axis.id() + " has no prompt");
        }
        int previous = -1;
        for (FramePrompt p : prompts) {
            if (p.structureId() != structureId || p.axis() != axis || !range.contains(p.frame())
                    || p.frame() <= previous) {
                throw new IllegalArgumentException("prompt on " + p.axis().id() + " frame " + p.frame()
                        + " of structure " + p.structureId() + " does not belong to structure " + structureId
                        + " on " + axis.id() + " frames " + range.first() + ".." + range.last()
                        + " in ascending order");
            }
            previous = p.frame();
        }
    }

    /** Prompted frames, ascending. */
    public int[] frames() {
        return prompts.stream().mapToInt(FramePrompt::frame).toArray();
    }
}
