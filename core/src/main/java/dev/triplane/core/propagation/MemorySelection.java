package dev.triplane.core.propagation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The memories SAM2 attends when it segments one non-conditioning frame of a pass: the rules of the official
 * {@code SAM2Base._prepare_memory_conditioned_features} (sam2 1.1.0, SAM2.1 configs, evaluation mode,
 * {@code memory_temporal_stride_for_eval = 1}) with the SPS and IS policies of docs/method.md §1 applied.
 *
 * <p>Frames are indexed 0..L-1 within the propagated range (the pseudo-video the engine builds).
 * <ul>
 *   <li>Mask memories: first the selected conditioning frames, {@code tPos = 0}, ascending frame order (the
 *   official order is the order prompts were added; the engine adds them in ascending order). Then the
 *   {@code w} frames before t in the pass direction (t - 1 .. t - w forward, t + 1 .. t + w reverse), farthest
 *   first, each with {@code tPos = NUM_MASKMEM - distance}, present only when a non-conditioning output of it
 *   exists (from any earlier pass) or it is an unselected conditioning frame. With w = 6 this is the
 *   official loop; IS (w < 6) drops the farthest ones and keeps the trained temporal encodings of the rest.
 *   The temporal encoding added is {@code maskmem_tpos_enc[NUM_MASKMEM - tPos - 1]}.</li>
 *   <li>SPS: conditioning frame c is selected when {@code |t - c| / L <= tau}, and the nearest conditioning
 *   frame(s) always (all of them on a tie of distance); the others are "unselected", as those of
 *   {@code select_closest_cond_frames}, and may still enter as recent frames and pointers.</li>
 *   <li>Object pointers: the selected conditioning frames not in the future of the pass
 *   ({@code only_obj_ptrs_in_the_past_for_eval}), position {@code (t - c) * sign}
 *   ({@code use_signed_tpos_enc_to_obj_ptrs}); then for distance d = 1 .. min(L, maxObjPtrs) - 1 the frame
 *   d before t (stop at the first frame outside 0..L-1) when it has a non-conditioning output or is an
 *   unselected conditioning frame, position d. Positions are divided by {@link #objPtrTDiffMax()} before
 *   the sine encoding.</li>
 * </ul>
 *
 * @param maskMemories spatial memories in attention order
 * @param objPtrs object pointers in attention order (they go after the mask memories)
 * @param objPtrTDiffMax {@code min(L, maxObjPtrs) - 1}, the pointer position normaliser
 */
public record MemorySelection(List<MaskMemory> maskMemories, List<ObjPtr> objPtrs, int objPtrTDiffMax) {

    /** SAM2's {@code num_maskmem}: one conditioning slot plus six recent frames. */
    public static final int NUM_MASKMEM = 7;

    public MemorySelection {
        maskMemories = List.copyOf(maskMemories);
        objPtrs = List.copyOf(objPtrs);
    }

    /**
     * A mask memory of {@code frame} with temporal slot {@code tPos} (0 for conditioning frames).
     */
    public record MaskMemory(int frame, int tPos) {
        /** Row of {@code maskmem_tpos_enc} added to this memory's position encoding. */
        public int tposEncIndex() {
            return NUM_MASKMEM - tPos - 1;
        }
    }

    /** The object pointer of {@code frame} at signed temporal position {@code pos} (frames, not normalised). */
    public record ObjPtr(int frame, int pos) {
    }

    /**
     * @param frame the frame being segmented, 0..numFrames-1, not a conditioning frame
     * @param direction the pass direction
     * @param numFrames L, frames in the propagated range
     * @param condFrames conditioning frames (SAM2's {@code cond_frame_outputs} keys), ascending, distinct
     * @param nonCondOutputs frames with a non-conditioning output so far (SAM2's {@code non_cond_frame_outputs}
     *     keys, all passes); holds no conditioning frame
     * @param policy a propagating policy (not NP)
     */
    public static MemorySelection select(int frame, Direction direction, int numFrames, int[] condFrames,
            BitSet nonCondOutputs, MemoryPolicy policy) {
        validate(frame, numFrames, condFrames, nonCondOutputs, policy);
        int sign = direction.sign();
        boolean[] selected = selectConditioning(frame, numFrames, condFrames, policy);
        BitSet unselected = new BitSet(numFrames);
        List<MaskMemory> memories = new ArrayList<>();
        for (int c = 0; c < condFrames.length; c++) {
            if (selected[c]) {
                memories.add(new MaskMemory(condFrames[c], 0));
            } else {
                unselected.set(condFrames[c]);
            }
        }
        for (int tPos = NUM_MASKMEM - policy.numRecentFrames(); tPos < NUM_MASKMEM; tPos++) {
            int prev = frame - (NUM_MASKMEM - tPos) * sign;
            if (prev >= 0 && prev < numFrames && (nonCondOutputs.get(prev) || unselected.get(prev))) {
                memories.add(new MaskMemory(prev, tPos));
            }
        }
        List<ObjPtr> ptrs = new ArrayList<>();
        for (int c = 0; c < condFrames.length; c++) {
            int cond = condFrames[c];
            if (selected[c] && (direction == Direction.FORWARD ? cond <= frame : cond >= frame)) {
                ptrs.add(new ObjPtr(cond, (frame - cond) * sign));
            }
        }
        int maxPtrs = Math.min(numFrames, policy.maxObjPtrs());
        for (int d = 1; d < maxPtrs; d++) {
            int prev = frame - d * sign;
            if (prev < 0 || prev >= numFrames) {
                break;
            }
            if (nonCondOutputs.get(prev) || unselected.get(prev)) {
                ptrs.add(new ObjPtr(prev, d));
            }
        }
        return new MemorySelection(memories, ptrs, maxPtrs - 1);
    }

    private static boolean[] selectConditioning(int frame, int numFrames, int[] condFrames, MemoryPolicy policy) {
        boolean[] selected = new boolean[condFrames.length];
        int nearest = Integer.MAX_VALUE;
        for (int c : condFrames) {
            nearest = Math.min(nearest, Math.abs(frame - c));
        }
        for (int c = 0; c < condFrames.length; c++) {
            int distance = Math.abs(frame - condFrames[c]);
            selected[c] = !policy.filtersConditioningFrames() || distance == nearest
                    || (double) distance / numFrames <= policy.conditioningTau();
        }
        return selected;
    }

    private static void validate(int frame, int numFrames, int[] condFrames, BitSet nonCondOutputs,
            MemoryPolicy policy) {
        if (policy.promptedOnly()) {
            throw new IllegalArgumentException("policy " + policy.name() + " does not propagate");
        }
        if (frame < 0 || frame >= numFrames) {
            throw new IllegalArgumentException("frame " + frame + " outside 0.." + (numFrames - 1));
        }
        if (condFrames.length == 0) {
            throw new IllegalArgumentException("propagation needs at least one conditioning frame");
        }
        for (int c = 0; c < condFrames.length; c++) {
            if (condFrames[c] < 0 || condFrames[c] >= numFrames || (c > 0 && condFrames[c] <= condFrames[c - 1])) {
                throw new IllegalArgumentException("conditioning frames must be ascending, distinct and in 0.."
                        + (numFrames - 1) + ": " + Arrays.toString(condFrames));
            }
            if (condFrames[c] == frame) {
                throw new IllegalArgumentException("frame " + frame + " is a conditioning frame: its output is the"
                        + " prompted one, not a tracked one");
            }
            if (nonCondOutputs.get(condFrames[c])) {
                throw new IllegalArgumentException("conditioning frame " + condFrames[c]
                        + " cannot also have a non-conditioning output");
            }
        }
        if (nonCondOutputs.length() > numFrames) {
            throw new IllegalArgumentException("non-conditioning output at frame " + (nonCondOutputs.length() - 1)
                    + " outside 0.." + (numFrames - 1));
        }
    }
}
