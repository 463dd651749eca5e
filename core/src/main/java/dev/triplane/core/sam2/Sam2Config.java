package dev.triplane.core.sam2;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * The dimensions, graph tensor names and model flags of an exported SAM2 model, read from its
 * {@code manifest.json} (written by {@code tools/sam2_export/export.py}); nothing here is hard-coded.
 *
 * <p>Shapes use C = {@code hiddenDim}, Cm = {@code memDim}, S = {@code imageSize}, F = {@code featSize}
 * (S / backbone stride), L = {@code lowResSize} (S / 4). Flags keep SAM2's names (sam2_base.py).
 *
 * @param model model name of the manifest
 * @param imageSize S, square encoder input in pixels
 * @param hiddenDim C, channels of the backbone feature and of an object pointer
 * @param memDim Cm, channels of a memory token
 * @param featSize F, side of the backbone feature map
 * @param highResDims channels of the two high-resolution features (S/4 and S/8)
 * @param highResSizes sides of the two high-resolution features
 * @param lowResSize L, side of the decoder's low-resolution masks
 * @param numMaskTokens decoder mask tokens (1 single + 3 multimask)
 * @param numMaskmem memory slots: conditioning slot plus {@code numMaskmem - 1} recent frames
 * @param maxObjPtrsInEncoder most object pointers attended
 * @param graphInputs per graph, its input names in contract order
 * @param graphFiles per graph, its ONNX file name
 * @param sha256 file name to hex SHA-256 of every model file
 * @param flags the manifest's {@code flags} object, typed accessors below
 */
public record Sam2Config(String model, int imageSize, int hiddenDim, int memDim, int featSize, int[] highResDims,
        int[] highResSizes, int lowResSize, int numMaskTokens, int numMaskmem, int maxObjPtrsInEncoder,
        Map<String, List<String>> graphInputs, Map<String, String> graphFiles, Map<String, String> sha256,
        JsonNode flags) {

    /** The four graphs of the ONNX contract (docs/method.md §2). */
    public static final List<String> GRAPHS = List.of("image_encoder", "memory_attention", "sam_heads",
            "memory_encoder");

    /** Parses a manifest; a missing field is an {@link IllegalArgumentException} naming it. */
    public static Sam2Config fromManifest(JsonNode m) {
        Map<String, List<String>> inputs = new TreeMap<>();
        Map<String, String> files = new TreeMap<>();
        for (String g : GRAPHS) {
            JsonNode graph = required(required(m, "graphs"), g);
            List<String> names = new ArrayList<>();
            for (JsonNode in : required(graph, "inputs")) {
                names.add(required(in, "name").asString());
            }
            inputs.put(g, List.copyOf(names));
            files.put(g, required(graph, "file").asString());
        }
        Map<String, String> hashes = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : required(m, "sha256").properties()) {
            hashes.put(e.getKey(), e.getValue().asString());
        }
        return new Sam2Config(required(m, "model").asString(), integer(m, "image_size"), integer(m, "hidden_dim"),
                integer(m, "mem_dim"), integer(m, "feat_size"), ints(required(m, "high_res_dims")),
                ints(required(m, "high_res_sizes")), integer(m, "low_res_mask_size"),
                integer(m, "num_mask_tokens"), integer(m, "num_maskmem"), integer(m, "max_obj_ptrs_in_encoder"),
                Map.copyOf(inputs), Map.copyOf(files), Map.copyOf(hashes), required(m, "flags"));
    }

    /** Input names of {@code graph} in contract order. */
    public List<String> inputs(String graph) {
        return graphInputs.get(graph);
    }

    /** HW = F * F, tokens of one frame's feature map. */
    public int featTokens() {
        return featSize * featSize;
    }

    public boolean flag(String name) {
        return required(flags, name).asBoolean();
    }

    public double number(String name) {
        return required(flags, name).asDouble();
    }

    public int integerFlag(String name) {
        return required(flags, name).asInt();
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("SAM2 manifest lacks '" + field + "'");
        }
        return v;
    }

    private static int integer(JsonNode node, String field) {
        return required(node, field).asInt();
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
