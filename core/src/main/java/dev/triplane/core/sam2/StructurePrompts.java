package dev.triplane.core.sam2;

import java.util.List;

/**
 * All prompts of one structure in one video: at most one {@link FramePrompt} per frame, at least one overall.
 *
 * @param id the caller's structure id (a label id), carried to the result
 * @param prompts the prompts, any order
 */
public record StructurePrompts(int id, List<FramePrompt> prompts) {

    public StructurePrompts {
        prompts = List.copyOf(prompts);
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("structure " + id + " has no prompt: SAM2 needs at least one");
        }
        if (prompts.stream().map(FramePrompt::frame).distinct().count() != prompts.size()) {
            throw new IllegalArgumentException("structure " + id + " has two prompts on one frame; combine them");
        }
    }
}
