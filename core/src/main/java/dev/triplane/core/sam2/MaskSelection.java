package dev.triplane.core.sam2;

import java.util.Arrays;

/**
 * The caller's side of the {@code sam_heads} boundary (SAM2Base._forward_sam_heads and
 * MaskDecoder._dynamic_multimask_via_stability): which decoder token is kept, which pointer goes with it, and
 * the substitutions for absent objects.
 *
 * <ul>
 *   <li>multimask: the multimask token (1..T-1) with the highest predicted IoU (first on ties); its pointer
 *       too when {@code use_multimask_token_for_obj_ptr};
 *   <li>single mask: token 0 unless {@code dynamic_multimask_via_stability} finds it unstable
 *       (count(logit > delta) / count(logit > -delta) &lt; thresh, 1 when nothing is above -delta), then the
 *       best multimask mask; the pointer stays token 0;
 *   <li>object score &lt;= 0: the mask becomes {@link #NO_OBJ_SCORE} everywhere and the pointer {@code no_obj_ptr}.
 * </ul>
 */
public final class MaskSelection {

    /** SAM2's NO_OBJ_SCORE, the logit written where the object is absent. */
    public static final float NO_OBJ_SCORE = -1024f;

    private final int tokens;
    private final int plane;
    private final int c;
    private final boolean multimaskTokenForPtr;
    private final boolean viaStability;
    private final float delta;
    private final float thresh;
    private final float[] noObjPtr;

    public MaskSelection(Sam2Config config, Sam2Constants constants) {
        this.tokens = config.numMaskTokens();
        this.plane = config.lowResSize() * config.lowResSize();
        this.c = config.hiddenDim();
        this.multimaskTokenForPtr = config.flag("use_multimask_token_for_obj_ptr");
        this.viaStability = config.flag("dynamic_multimask_via_stability");
        this.delta = (float) config.number("dynamic_multimask_stability_delta");
        this.thresh = (float) config.number("dynamic_multimask_stability_thresh");
        this.noObjPtr = constants.noObjPtr();
    }

    /** Selects from raw heads outputs; {@code multimask} as decided by the prompt (see VideoPropagator). */
    public FrameOutput select(SamHeads.Output raw, boolean multimask) {
        float[] ious = raw.iouPredictions();
        int bestMulti = 1;
        for (int k = 2; k < tokens; k++) {
            if (ious[k] > ious[bestMulti]) {
                bestMulti = k;
            }
        }
        int index;
        int ptrIndex;
        if (multimask) {
            index = bestMulti;
            ptrIndex = multimaskTokenForPtr ? bestMulti : 0;
        } else {
            index = viaStability && stability(raw.lowResMasks()) < thresh ? bestMulti : 0;
            ptrIndex = 0;
        }
        float[] low;
        float[] ptr;
        if (raw.objectScore() > 0) {
            low = Arrays.copyOfRange(raw.lowResMasks(), index * plane, (index + 1) * plane);
            ptr = Arrays.copyOfRange(raw.objPtrs(), ptrIndex * c, (ptrIndex + 1) * c);
        } else {
            low = new float[plane];
            Arrays.fill(low, NO_OBJ_SCORE);
            ptr = noObjPtr.clone();
        }
        return new FrameOutput(low, ptr, raw.objectScore(), index);
    }

    /** Stability of the single-mask token 0 (MaskDecoder._get_stability_scores). */
    float stability(float[] masks) {
        int union = 0;
        int inter = 0;
        for (int p = 0; p < plane; p++) {
            float v = masks[p];
            if (v > -delta) {
                union++;
            }
            if (v > delta) {
                inter++;
            }
        }
        return union > 0 ? (float) inter / union : 1f;
    }
}
