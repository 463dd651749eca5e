package dev.triplane.core.sam2;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * One structure's memory in one video (SAM2's output_dict): conditioning frames (prompted, kept for the whole
 * propagation) and non-conditioning frames (tracked), each with its memory feature and object pointer.
 *
 * <p>Memory features are stored as tokens [HW, Cm], rounded to bfloat16 as the official predictor stores them.
 * Non-conditioning entries are dropped by {@link #retain} once no later step can reference them, so what is
 * held is bounded by the memory window, not by the video length. Not thread-safe.
 */
public final class MemoryBank {

    private final TreeMap<Integer, FrameOutput> condFrameOutputs = new TreeMap<>();
    private final Map<Integer, float[]> condMaskmem = new HashMap<>();
    private final Map<Integer, float[]> nonCondMaskmem = new HashMap<>();
    private final Map<Integer, float[]> nonCondObjPtr = new HashMap<>();

    /** Stores a conditioning frame's output and memory (the official preflight). */
    public void putCond(int frame, FrameOutput output, float[] maskmemTokens) {
        condFrameOutputs.put(frame, output);
        condMaskmem.put(frame, maskmemTokens);
        nonCondMaskmem.remove(frame);
        nonCondObjPtr.remove(frame);
    }

    /** Stores (or overwrites, in a later pass) a tracked frame's memory and pointer. */
    public void putNonCond(int frame, float[] objPtr, float[] maskmemTokens) {
        nonCondMaskmem.put(frame, maskmemTokens);
        nonCondObjPtr.put(frame, objPtr);
    }

    public boolean isCond(int frame) {
        return condFrameOutputs.containsKey(frame);
    }

    /** Conditioning frames, ascending, with their outputs. */
    public TreeMap<Integer, FrameOutput> condFrameOutputs() {
        return condFrameOutputs;
    }

    /**
     * Frames with a non-conditioning entry held now (SAM2's {@code non_cond_frame_outputs} keys within reach:
     * pointers are retained at least as far back as features).
     */
    public BitSet nonCondFrames() {
        BitSet frames = new BitSet();
        for (int u : nonCondObjPtr.keySet()) {
            frames.set(u);
        }
        return frames;
    }

    /** Memory tokens of {@code frame}: the non-conditioning entry, else the conditioning one, else null. */
    public float[] maskmem(int frame) {
        float[] m = nonCondMaskmem.get(frame);
        return m != null ? m : condMaskmem.get(frame);
    }

    /** Object pointer of {@code frame}: the non-conditioning entry, else the conditioning one, else null. */
    public float[] objPtr(int frame) {
        float[] p = nonCondObjPtr.get(frame);
        if (p != null) {
            return p;
        }
        FrameOutput out = condFrameOutputs.get(frame);
        return out == null ? null : out.objPtr();
    }

    /**
     * Drops the non-conditioning entries no later step can read, after frame {@code frame} of a pass going in
     * {@code direction} (+1 forward, -1 reverse). A later frame of this pass reads features up to
     * {@code featureWindow} frames back and pointers up to {@code pointerWindow}; a following pass starting at
     * {@code nextStart} in the opposite direction first reads this pass's entries just beyond its start.
     *
     * @param nextStart start frame of the following pass, or null when none follows
     */
    public void retain(int frame, int direction, int featureWindow, int pointerWindow, Integer nextStart) {
        prune(nonCondMaskmem, frame, direction, featureWindow, nextStart);
        prune(nonCondObjPtr, frame, direction, pointerWindow, nextStart);
    }

    /** Non-conditioning memory features held now. */
    public int heldFeatures() {
        return nonCondMaskmem.size();
    }

    /** Non-conditioning pointers held now. */
    public int heldPointers() {
        return nonCondObjPtr.size();
    }

    private static void prune(Map<Integer, float[]> entries, int frame, int direction, int window,
            Integer nextStart) {
        for (Iterator<Integer> it = entries.keySet().iterator(); it.hasNext(); ) {
            int u = it.next();
            // this pass: frame + d reads u when 1 <= (frame + d - u) * d <= window
            boolean thisPass = (frame - u) * direction >= 0 && (frame - u) * direction < window;
            // next pass (direction -d) from nextStart reads u when 1 <= (u - nextStart) * d <= window
            boolean nextPass = nextStart != null && (u - nextStart) * direction >= 1
                    && (u - nextStart) * direction <= window;
            if (!thisPass && !nextPass) {
                it.remove();
            }
        }
    }
}
