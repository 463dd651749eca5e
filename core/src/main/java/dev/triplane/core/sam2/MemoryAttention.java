package dev.triplane.core.sam2;

import java.util.List;

/**
 * The {@code memory_attention} graph: a frame's feature attends to its memory tokens (SAM2Base
 * _prepare_memory_conditioned_features after the memory is assembled). Not thread-safe.
 */
public final class MemoryAttention {

    private final OrtGraph graph;
    private final List<String> in;
    private final int tokens;
    private final int c;
    private final int cm;

    MemoryAttention(OrtGraph graph, Sam2Config config) {
        this.graph = graph;
        this.in = config.inputs("memory_attention");
        this.tokens = config.featTokens();
        this.c = config.hiddenDim();
        this.cm = config.memDim();
    }

    /**
     * @param curr current raw feature as tokens [HW, 1, C]
     * @param currPos its position encoding [HW, 1, C]
     * @param memory M memory tokens [M, 1, Cm]: spatial memories first, object-pointer tokens last
     * @param memoryPos their encodings [M, 1, Cm]
     * @param numObjPtrTokens trailing pointer tokens of {@code memory} (they get no RoPE)
     * @return the memory-conditioned feature [1, C, F, F]
     */
    public float[] attend(float[] curr, float[] currPos, float[] memory, float[] memoryPos, int numObjPtrTokens) {
        int m = memory.length / cm;
        if (curr.length != tokens * c || currPos.length != curr.length || memory.length != m * cm
                || memoryPos.length != memory.length || m == 0 || numObjPtrTokens > m) {
            throw new IllegalArgumentException("memory attention inputs do not match HW=" + tokens + ", C=" + c
                    + ", Cm=" + cm + " (" + m + " memory tokens, " + numObjPtrTokens + " pointer tokens)");
        }
        return graph.run(new GraphInputs()
                .floats(in.get(0), curr, tokens, 1, c)
                .floats(in.get(1), currPos, tokens, 1, c)
                .floats(in.get(2), memory, m, 1, cm)
                .floats(in.get(3), memoryPos, m, 1, cm)
                .longs(in.get(4), new long[] {numObjPtrTokens}, 1))[0];
    }
}
