package dev.triplane.core.sam2;

import java.util.List;

/**
 * The {@code sam_heads} graph: prompt encoder, mask decoder and object-pointer projection, raw (mask choice,
 * -1024 for absent objects and {@code no_obj_ptr} are the caller's, see {@link MaskSelection}). Not thread-safe.
 */
public final class SamHeads {

    /**
     * Raw decoder outputs for the T = numMaskTokens tokens (token 0 single-mask, 1..T-1 multimask).
     *
     * @param lowResMasks [1, T, L, L] logits
     * @param iouPredictions [1, T]
     * @param objPtrs [1, T, C], obj_ptr_proj of each token
     * @param objectScore object score logit (present where > 0)
     */
    public record Output(float[] lowResMasks, float[] iouPredictions, float[] objPtrs, float objectScore) {
    }

    private final OrtGraph graph;
    private final List<String> in;
    private final Sam2Config config;
    private final float[] noMask;

    SamHeads(OrtGraph graph, Sam2Config config) {
        this.graph = graph;
        this.in = config.inputs("sam_heads");
        this.config = config;
        this.noMask = new float[config.imageSize() * config.imageSize()];
    }

    /**
     * @param backbone conditioned (or no_mem_embed-added, or raw) feature [1, C, F, F]
     * @param features the frame's encoder outputs (high-resolution features)
     * @param pointCoords N points (x, y) in model-input pixels [1, N, 2]; no points: one (0, 0)
     * @param pointLabels [1, N]: 1 positive, 0 negative, 2/3 box corners, -1 padding
     * @param maskInput full-resolution 0/1 mask prompt [1, 1, S, S], or null for none
     */
    public Output run(float[] backbone, ImageEncoder.Features features, float[] pointCoords, int[] pointLabels,
            float[] maskInput) {
        int n = pointLabels.length;
        int s = config.imageSize();
        int[] hd = config.highResDims();
        int[] hs = config.highResSizes();
        int f = config.featSize();
        if (pointCoords.length != 2 * n || n == 0) {
            throw new IllegalArgumentException(n + " point labels need " + 2 * n + " coordinates");
        }
        float[][] out = graph.run(new GraphInputs()
                .floats(in.get(0), backbone, 1, config.hiddenDim(), f, f)
                .floats(in.get(1), features.highResFeat0(), 1, hd[0], hs[0], hs[0])
                .floats(in.get(2), features.highResFeat1(), 1, hd[1], hs[1], hs[1])
                .floats(in.get(3), pointCoords, 1, n, 2)
                .ints(in.get(4), pointLabels, 1, n)
                .floats(in.get(5), maskInput == null ? noMask : maskInput, 1, 1, s, s)
                .floats(in.get(6), new float[] {maskInput == null ? 0f : 1f}, 1));
        return new Output(out[0], out[1], out[2], out[3][0]);
    }
}
