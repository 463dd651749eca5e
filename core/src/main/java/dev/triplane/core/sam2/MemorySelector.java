package dev.triplane.core.sam2;

/**
 * The memory policy the propagator consults for every tracked frame: what it attends to, and how far back
 * the policy can ever look (so the bank can drop the rest). {@link MemoryParams} is the official rule set with
 * its parameters; a policy such as {@code propagation.MemoryPolicy} can implement this directly.
 */
public interface MemorySelector {

    /**
     * @param frame the frame being segmented
     * @param reverse the pass direction
     * @param numFrames frames in the video
     * @param bank the structure's memory
     * @param numMaskmem the model's memory slots (temporal encoding rows)
     */
    MemorySelection select(int frame, boolean reverse, int numFrames, MemoryBank bank, int numMaskmem);

    /** Farthest non-conditioning frame (in frames) whose memory feature may be selected. */
    int featureWindow();

    /** Farthest non-conditioning frame whose object pointer may be selected, for {@code numFrames} frames. */
    int pointerWindow(int numFrames);
}
