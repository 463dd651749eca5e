package dev.triplane.core.evaluation;

import dev.triplane.core.fusion.FusionRule;
import dev.triplane.core.fusion.TriAxisFusion;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.prompts.DerivationOptions;
import dev.triplane.core.prompts.LabelPrompts;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.sam2.AxisSegmenter;
import dev.triplane.core.sam2.FramePreprocessor;
import dev.triplane.core.sam2.Sam2Model;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The whole method in this process: the case in RAS+ order, prompts derived from its reference labels per axis,
 * {@link AxisSegmenter} per axis, {@link TriAxisFusion} back onto the CT grid. Memory-attention and image-encoder
 * times are the model's graph clocks ({@link Sam2Model#graphNanos()}) before and after. Not thread-safe (the
 * model is not).
 */
public final class InProcessSegmenter implements CaseSegmenter {

    private static final int IMAGE_ENCODER = 0;
    private static final int MEMORY_ATTENTION = 1;

    private final Sam2Model model;
    private final List<Axis> axes;
    private final DerivationOptions prompts;
    private final FusionRule fusion;

    /**
     * @param axes the axes to propagate along, at least one
     * @param prompts how prompts are derived from the reference
     * @param fusion how the axes' logits become labels
     */
    public InProcessSegmenter(Sam2Model model, List<Axis> axes, DerivationOptions prompts, FusionRule fusion) {
        if (axes.isEmpty()) {
            throw new IllegalArgumentException("at least one axis is needed");
        }
        this.model = model;
        this.axes = List.copyOf(axes);
        this.prompts = prompts;
        this.fusion = fusion;
    }

    @Override
    public Segmentation segment(CaseVolumes c, MemoryPolicy policy, int[] structureIds) {
        Reorientation toRas = Reorientation.toRas(c.image().grid());
        ImageVolume ct = new ImageVolume(toRas.target(), toRas.forward(c.image().voxels()));
        LabelVolume reference = new LabelVolume(toRas.target(), toRas.forward(c.reference().labels()));
        long[] before = model.graphNanos();
        AxisSegmenter segmenter = new AxisSegmenter(model, policy,
                new FramePreprocessor(model.config().imageSize()), true);
        Map<Axis, LogitVolume> logits = new EnumMap<>(Axis.class);
        for (Axis axis : axes) {
            List<StructurePrompts> axisPrompts =
                    LabelPrompts.deriveAll(reference, structureIds, List.of(axis), prompts);
            if (!axisPrompts.isEmpty()) {
                logits.put(axis, segmenter.segment(ct, axis, axisPrompts, null));
            }
        }
        TriAxisFusion fused = new TriAxisFusion(toRas, fusion);
        for (int id : structureIds) {
            fused.add(id, logits);
        }
        long[] after = model.graphNanos();
        return new Segmentation(fused.labels(), (after[MEMORY_ATTENTION] - before[MEMORY_ATTENTION]) / 1e9,
                (after[IMAGE_ENCODER] - before[IMAGE_ENCODER]) / 1e9);
    }
}
