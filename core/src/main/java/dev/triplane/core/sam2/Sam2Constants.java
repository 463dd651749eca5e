package dev.triplane.core.sam2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;

/**
 * The learned tensors SAM2 applies outside its graphs (constants.json + little-endian float32 {@code .bin}).
 *
 * @param maskmemTposEnc [numMaskmem, Cm]; a memory frame with slot t_pos gets row {@code numMaskmem - t_pos - 1}
 * @param noMemEmbed [C], added to the raw feature of an initial conditioning frame
 * @param noObjPtr [C], the object pointer of a frame where the object is absent
 * @param objPtrTposProjWeight [Cm, C], torch Linear layout (y = W x + b)
 * @param objPtrTposProjBias [Cm]
 * @param maskDownsampleWeight [4 * 4], the stride-4 convolution {@code sam_heads} applies to its mask input, or null
 *     in exports that predate corrections
 * @param maskDownsampleBias [1], its bias, or null with the weight
 */
public record Sam2Constants(float[] maskmemTposEnc, float[] noMemEmbed, float[] noObjPtr,
        float[] objPtrTposProjWeight, float[] objPtrTposProjBias, float[] maskDownsampleWeight,
        float[] maskDownsampleBias) {

    /** Reads the constants of {@code dir}, checking each shape against {@code config}. */
    static Sam2Constants load(Path dir, JsonNode constants, Sam2Config config) throws IOException {
        JsonNode tensors = constants.get("tensors");
        if (tensors == null) {
            throw new IllegalArgumentException("constants.json lacks 'tensors'");
        }
        int c = config.hiddenDim();
        int cm = config.memDim();
        return new Sam2Constants(
                tensor(dir, tensors, "maskmem_tpos_enc", config.numMaskmem() * cm),
                tensor(dir, tensors, "no_mem_embed", c),
                tensor(dir, tensors, "no_obj_ptr", c),
                tensor(dir, tensors, "obj_ptr_tpos_proj_weight", cm * c),
                tensor(dir, tensors, "obj_ptr_tpos_proj_bias", cm),
                tensors.has("mask_downsample_weight") ? tensor(dir, tensors, "mask_downsample_weight", 16) : null,
                tensors.has("mask_downsample_weight") ? tensor(dir, tensors, "mask_downsample_bias", 1) : null);
    }

    /**
     * The S x S mask input whose stride-4 downsampling inside {@code sam_heads} is {@code lowRes} [L x L, L = S / 4]:
     * each 4 x 4 block holds the one value the convolution maps to that logit. The official predictor feeds a
     * frame's earlier low-res logits to the prompt encoder directly (no downsampling); the exported graph always
     * downsamples, and a constant block undoes that exactly.
     *
     * @throws IllegalStateException when the export lacks the convolution's weights
     */
    public float[] maskInputFor(float[] lowRes, int l) {
        if (maskDownsampleWeight == null) {
            throw new IllegalStateException("the model export lacks mask_downsample_weight (exports before "
                    + "corrections); export it again with tools/sam2_export");
        }
        float sum = 0;
        for (float w : maskDownsampleWeight) {
            sum += w;
        }
        int s = 4 * l;
        float[] out = new float[s * s];
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                out[y * s + x] = (lowRes[(y / 4) * l + x / 4] - maskDownsampleBias[0]) / sum;
            }
        }
        return out;
    }

    private static float[] tensor(Path dir, JsonNode tensors, String name, int expected) throws IOException {
        JsonNode t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("constants.json lacks tensor '" + name + "'");
        }
        byte[] bytes = Files.readAllBytes(dir.resolve(t.get("file").asString()));
        if (bytes.length != 4 * expected) {
            throw new IllegalArgumentException("constant " + name + " has " + bytes.length / 4 + " floats, the "
                    + "manifest's dimensions need " + expected);
        }
        float[] out = new float[expected];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
