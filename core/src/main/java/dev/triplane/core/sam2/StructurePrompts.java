package dev.triplane.core.sam2;

import java.util.List;

/**
 * All prompts of one structure in one video: at most one {@link FramePrompt} per frame, at least one overall,
 * and the frames the structure is tracked on.
 *
 * @param id the caller's structure id (a label id), carried to the result
 * @param prompts the prompts, any order, all within {@code first..last}
 * @param first first frame the structure is tracked on
 * @param last last frame the structure is tracked on (beyond the video means its end); frames outside
 *     {@code first..last} are not segmented (docs/method.md §1: with prompts from labels, frames outside the extent
 *     plus a margin need not be propagated)
 */
public record StructurePrompts(int id, List<FramePrompt> prompts, int first, int last) {

    public StructurePrompts {
        prompts = List.copyOf(prompts);
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("structure " + id + " has no prompt: SAM2 needs at least one");
        }
        if (prompts.stream().map(FramePrompt::frame).distinct().count() != prompts.size()) {
            throw new IllegalArgumentException("structure " + id + " has two prompts on one frame; combine them");
        }
        for (FramePrompt p : prompts) {
            if (p.frame() < first || p.frame() > last) {
                throw new IllegalArgumentException("structure " + id + ": prompt on frame " + p.frame()
                        + " is outside its frames " + first + ".." + last);
            }
        }
    }

    /** Tracked on the whole video. */
    public StructurePrompts(int id, List<FramePrompt> prompts) {
        this(id, prompts, 0, Integer.MAX_VALUE);
    }
}
