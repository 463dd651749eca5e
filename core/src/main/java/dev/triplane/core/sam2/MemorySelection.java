package dev.triplane.core.sam2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which memories and object pointers frame t attends to (SAM2Base._prepare_memory_conditioned_features,
 * steps 1 and 2), as a pure function of the frame, the pass direction, the bank and the parameters.
 *
 * <p>Spatial memories: the selected conditioning frames with t_pos = 0, then the recent frames t - r*d
 * (d = +1 forward, -1 reverse; r = n..1 for n = numRecentFrames) with t_pos = numMaskmem - r, read from the
 * non-conditioning entries or, failing that, an unselected conditioning frame. Temporal encoding row =
 * {@code numMaskmem - t_pos - 1}: the adjacent frame gets row 0, a conditioning frame row numMaskmem - 1.
 *
 * <p>Pointers: selected conditioning frames in the past of the pass (only_obj_ptrs_in_the_past_for_eval) at
 * position (t - u) * d, then frames t - k*d for k = 1..min(numFrames, maxObjPtrs) - 1 (stopping at the video's
 * ends) at position k, when an entry exists. Positions are later divided by min(numFrames, maxObjPtrs) - 1.
 *
 * @param memFrames frames of the spatial memories, in memory order
 * @param memTPos their t_pos
 * @param ptrFrames frames of the pointers, in memory order
 * @param ptrPositions their signed temporal positions (frames)
 * @param tDiffMax the pointer position normaliser {@code min(numFrames, maxObjPtrs) - 1}
 */
public record MemorySelection(int[] memFrames, int[] memTPos, int[] ptrFrames, int[] ptrPositions, int tDiffMax) {

    /**
     * @param numMaskmem the model's memory slots (temporal encoding rows)
     */
    public static MemorySelection select(int frame, boolean reverse, int numFrames, MemoryBank bank,
            MemoryParams params, int numMaskmem) {
        if (params.numRecentFrames() > numMaskmem - 1) {
            throw new IllegalArgumentException("numRecentFrames " + params.numRecentFrames()
                    + " exceeds the model's " + (numMaskmem - 1) + " temporal slots");
        }
        int d = reverse ? -1 : 1;
        int[] cond = bank.condFrameOutputs().keySet().stream().mapToInt(Integer::intValue).toArray();
        int[] selected = cond.length == 0 ? cond : params.conditioning().select(frame, cond, numFrames);
        List<int[]> mems = new ArrayList<>();
        for (int u : selected) {
            mems.add(new int[] {u, 0});
        }
        for (int r = params.numRecentFrames(); r >= 1; r--) {
            int u = frame - r * d;
            if (bank.maskmem(u) != null && !contains(selected, u)) {
                mems.add(new int[] {u, numMaskmem - r});
            }
        }
        int maxPtrs = Math.min(numFrames, params.maxObjPtrs());
        List<int[]> ptrs = new ArrayList<>();
        for (int u : selected) {
            if (reverse ? u >= frame : u <= frame) {
                ptrs.add(new int[] {u, (frame - u) * d});
            }
        }
        for (int k = 1; k < maxPtrs; k++) {
            int u = frame - k * d;
            if (u < 0 || u >= numFrames) {
                break;
            }
            if (bank.objPtr(u) != null && !contains(selected, u)) {
                ptrs.add(new int[] {u, k});
            }
        }
        return new MemorySelection(column(mems, 0), column(mems, 1), column(ptrs, 0), column(ptrs, 1), maxPtrs - 1);
    }

    private static boolean contains(int[] sorted, int v) {
        return Arrays.binarySearch(sorted, v) >= 0;
    }

    private static int[] column(List<int[]> rows, int c) {
        int[] out = new int[rows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = rows.get(i)[c];
        }
        return out;
    }
}
