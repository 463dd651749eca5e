package dev.triplane.core.sam2;

import java.util.List;

/**
 * The {@code image_encoder} graph (SAM2Base.forward_image). Counts its runs so callers can check that one
 * encoding serves every structure of a frame. Not thread-safe.
 */
public final class ImageEncoder {

    /**
     * One frame's encoder outputs, all NCHW float32 with N = 1.
     *
     * @param visionFeatures raw backbone feature [1, C, F, F]
     * @param visionPosEnc its sine position encoding [1, C, F, F]
     * @param highResFeat0 [1, C0, S/4, S/4] after conv_s0
     * @param highResFeat1 [1, C1, S/8, S/8] after conv_s1
     */
    public record Features(float[] visionFeatures, float[] visionPosEnc, float[] highResFeat0,
            float[] highResFeat1) {
    }

    private final OrtGraph graph;
    private final String image;
    private final int size;
    private long runs;

    ImageEncoder(OrtGraph graph, Sam2Config config) {
        this.graph = graph;
        List<String> in = config.inputs("image_encoder");
        this.image = in.get(0);
        this.size = config.imageSize();
    }

    /** @param tensor preprocessed frame [1, 3, S, S] (see {@link FramePreprocessor}) */
    public Features encode(float[] tensor) {
        if (tensor.length != 3 * size * size) {
            throw new IllegalArgumentException("image needs 3x" + size + "x" + size + " floats, got " + tensor.length);
        }
        float[][] out = graph.run(new GraphInputs().floats(image, tensor, 1, 3, size, size));
        runs++;
        return new Features(out[0], out[1], out[2], out[3]);
    }

    /** Encoder runs since this model was loaded. */
    public long runs() {
        return runs;
    }
}
