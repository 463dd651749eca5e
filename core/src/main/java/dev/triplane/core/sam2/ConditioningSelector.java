package dev.triplane.core.sam2;

/**
 * Which conditioning frames a frame attends to (SAM2's select_closest_cond_frames slot). The official default
 * ({@code max_cond_frames_in_attn = -1}) attends to all; SPS-like policies keep only nearby ones. Unselected
 * conditioning frames behave as the official "unselected" ones: they may still enter memory as a recent frame
 * and give a pointer at their frame distance.
 */
@FunctionalInterface
public interface ConditioningSelector {

    /** Attend to every conditioning frame (official default). */
    ConditioningSelector ALL = (frame, condFrames, numFrames) -> condFrames;

    /**
     * @param frame the frame being segmented
     * @param condFrames this structure's conditioning frames, ascending, never empty
     * @param numFrames frames of the propagated video
     * @return the selected subset, ascending
     */
    int[] select(int frame, int[] condFrames, int numFrames);
}
