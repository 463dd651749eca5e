package dev.triplane.core.sam2;

import dev.triplane.core.propagation.MemorySelection;

/**
 * Builds memory attention's memory and memory_pos from a {@link MemorySelection} (SAM2Base
 * _prepare_memory_conditioned_features, the to_cat_memory part).
 *
 * <p>Spatial memory of a frame: its HW tokens [HW, Cm]; position: the model's memory position encoding
 * (input independent) plus {@code maskmem_tpos_enc[numMaskmem - t_pos - 1]}. Each C-dim pointer is split into
 * C / Cm tokens of Cm; position: {@code obj_ptr_tpos_proj(get_1d_sine_pe(pos / tDiffMax, C))}, repeated for
 * each of its tokens. Pointers go last; their token count is what memory attention excludes from RoPE.
 *
 * @param memory [M, 1, Cm]
 * @param memoryPos [M, 1, Cm]
 * @param numObjPtrTokens trailing pointer tokens of memory
 */
public record MemoryTokens(float[] memory, float[] memoryPos, int numObjPtrTokens) {

    /**
     * @param maskmemPosTokens the memory position encoding as tokens [HW, Cm]
     */
    public static MemoryTokens assemble(MemorySelection selection, MemoryBank bank, Sam2Config config,
            Sam2Constants constants, float[] maskmemPosTokens) {
        int cm = config.memDim();
        int c = config.hiddenDim();
        int hw = config.featTokens();
        int split = c / cm;
        int spatial = selection.maskMemories().size() * hw * cm;
        int ptrTokens = selection.objPtrs().size() * split;
        float[] memory = new float[spatial + ptrTokens * cm];
        float[] pos = new float[memory.length];
        float[] tpos = constants.maskmemTposEnc();
        int offset = 0;
        for (MemorySelection.MaskMemory m : selection.maskMemories()) {
            System.arraycopy(bank.maskmem(m.frame()), 0, memory, offset, hw * cm);
            int row = m.tposEncIndex() * cm;
            for (int p = 0; p < hw * cm; p += cm) {
                for (int k = 0; k < cm; k++) {
                    pos[offset + p + k] = maskmemPosTokens[p + k] + tpos[row + k];
                }
            }
            offset += hw * cm;
        }
        float[] sine = new float[c];
        for (MemorySelection.ObjPtr ptr : selection.objPtrs()) {
            System.arraycopy(bank.objPtr(ptr.frame()), 0, memory, offset, c);
            float normalised = (float) ptr.pos() / selection.objPtrTDiffMax();
            sinePositionEncoding(normalised, sine);
            float[] w = constants.objPtrTposProjWeight();
            float[] b = constants.objPtrTposProjBias();
            for (int k = 0; k < cm; k++) {
                float acc = 0f;
                for (int j = 0; j < c; j++) {
                    acc += w[k * c + j] * sine[j];
                }
                float v = acc + b[k];
                for (int s = 0; s < split; s++) {
                    pos[offset + s * cm + k] = v;
                }
            }
            offset += c;
        }
        return new MemoryTokens(memory, pos, ptrTokens);
    }

    /**
     * sam2_utils.get_1d_sine_pe for one position: {@code [sin(x / T_i), cos(x / T_i)]} with
     * {@code T_i = 10000^(2 * floor(i / 2) / (dim / 2))}, i = 0..dim/2-1.
     */
    static void sinePositionEncoding(float x, float[] out) {
        int half = out.length / 2;
        for (int i = 0; i < half; i++) {
            float dimT = (float) Math.pow(10000.0, (float) (2 * (i / 2)) / half);
            float angle = x / dimT;
            out[i] = (float) Math.sin(angle);
            out[half + i] = (float) Math.cos(angle);
        }
    }
}
