package dev.triplane.core.sam2;

import java.util.List;

/**
 * The {@code memory_encoder} graph (SAM2Base._encode_new_memory after the mask preparation, which is the
 * caller's: see {@link VideoPropagator}). Adds {@code no_obj_embed_spatial} itself where the object score
 * is <= 0. Not thread-safe.
 */
public final class MemoryEncoder {

    /**
     * @param maskmemFeatures [1, Cm, F, F]
     * @param maskmemPosEnc [1, Cm, F, F], input independent
     */
    public record Output(float[] maskmemFeatures, float[] maskmemPosEnc) {
    }

    private final OrtGraph graph;
    private final List<String> in;
    private final Sam2Config config;

    MemoryEncoder(OrtGraph graph, Sam2Config config) {
        this.graph = graph;
        this.in = config.inputs("memory_encoder");
        this.config = config;
    }

    /**
     * @param pixFeat the frame's RAW backbone feature [1, C, F, F]
     * @param maskForMem prepared mask [1, 1, S, S]: sigmoid or binarized high-res logits, then x scale + bias
     * @param objectScore the frame's object score logit
     */
    public Output encode(float[] pixFeat, float[] maskForMem, float objectScore) {
        int f = config.featSize();
        int s = config.imageSize();
        float[][] out = graph.run(new GraphInputs()
                .floats(in.get(0), pixFeat, 1, config.hiddenDim(), f, f)
                .floats(in.get(1), maskForMem, 1, 1, s, s)
                .floats(in.get(2), new float[] {objectScore}, 1, 1));
        return new Output(out[0], out[1]);
    }
}
