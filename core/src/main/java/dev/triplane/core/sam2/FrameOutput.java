package dev.triplane.core.sam2;

/**
 * What SAM2 produced for one (structure, frame): the compact record later frames and the caller read
 * (SAM2's per-frame output dict without the memory feature, which {@link MemoryBank} holds).
 *
 * @param lowResLogits chosen mask logits [L, L]; -1024 everywhere where the object is absent
 * @param objPtr object pointer [C] ({@code no_obj_ptr} where absent)
 * @param objectScore object score logit; the object is present where it is > 0
 * @param chosenMask decoder token kept (0 single-mask, 1..3 multimask), -1 for a mask prompt used as output
 */
public record FrameOutput(float[] lowResLogits, float[] objPtr, float objectScore, int chosenMask) {
}
