package dev.triplane.core.evaluation;

import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.volume.LabelVolume;
import java.io.IOException;

/**
 * Segments one case under one memory policy: the step an ablation repeats for every case x preset, in-process
 * ({@link InProcessSegmenter}) or through the pipeline. Everything else (axes, prompts, fusion) is the
 * implementation's configuration, fixed for a whole ablation.
 */
public interface CaseSegmenter {

    /**
     * A fused segmentation and where its time went.
     *
     * @param labels structure ids on the case's CT grid (0 = background)
     * @param memoryAttentionSeconds time inside SAM2's memory attention; NaN when not measured
     * @param imageEncoderSeconds time inside SAM2's image encoder; NaN when not measured
     */
    record Segmentation(LabelVolume labels, double memoryAttentionSeconds, double imageEncoderSeconds) {
    }

    /**
     * @param structureIds structures to segment, each present in {@code c}'s reference
     */
    Segmentation segment(CaseVolumes c, MemoryPolicy policy, int[] structureIds) throws IOException;
}
