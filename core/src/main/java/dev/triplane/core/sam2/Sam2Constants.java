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
 */
public record Sam2Constants(float[] maskmemTposEnc, float[] noMemEmbed, float[] noObjPtr,
        float[] objPtrTposProjWeight, float[] objPtrTposProjBias) {

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
                tensor(dir, tensors, "obj_ptr_tpos_proj_bias", cm));
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
