package dev.triplane.core.sam2;

/**
 * The memory rules' parameters (METHOD.md §2 items 1-2), so strategies such as SPS and IS are a policy passed
 * in, not a fork.
 *
 * @param numRecentFrames non-conditioning frames attended, the r = 1..n frames just before in the pass
 *     direction (official: {@code num_maskmem - 1 = 6}); at most {@code numMaskmem - 1}
 * @param maxObjPtrs object pointers window: up to {@code min(numFrames, maxObjPtrs) - 1} previous frames
 *     (official {@code max_obj_ptrs_in_encoder = 16}); also the position normaliser
 * @param conditioning which conditioning frames are attended
 */
public record MemoryParams(int numRecentFrames, int maxObjPtrs, ConditioningSelector conditioning)
        implements MemorySelector {

    public MemoryParams {
        if (numRecentFrames < 0 || maxObjPtrs < 1 || conditioning == null) {
            throw new IllegalArgumentException("memory params need numRecentFrames >= 0, maxObjPtrs >= 1 and a "
                    + "conditioning selector");
        }
    }

    /** The official predictor's defaults for {@code config}. */
    public static MemoryParams official(Sam2Config config) {
        return new MemoryParams(config.numMaskmem() - 1, config.maxObjPtrsInEncoder(), ConditioningSelector.ALL);
    }

    @Override
    public MemorySelection select(int frame, boolean reverse, int numFrames, MemoryBank bank, int numMaskmem) {
        return MemorySelection.select(frame, reverse, numFrames, bank, this, numMaskmem);
    }

    @Override
    public int featureWindow() {
        return numRecentFrames;
    }

    @Override
    public int pointerWindow(int numFrames) {
        return Math.min(numFrames, maxObjPtrs) - 1;
    }
}
