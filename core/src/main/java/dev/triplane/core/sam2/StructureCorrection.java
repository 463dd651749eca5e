package dev.triplane.core.sam2;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.prompts.FrameRange;
import dev.triplane.core.propagation.AxisLogits;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.volume.ImageVolume;
import java.util.ArrayList;
import java.util.List;

/**
 * A correction of one structure on one axis: new clicks, a box or a mask on one frame of a structure the axis
 * already segmented. The corrected frame becomes a conditioning frame beside the structure's earlier prompts and
 * the structure is propagated again over its frames (SAM2VideoPredictor: add the prompt, then
 * {@code propagate_in_video} again, which recomputes every frame that is not a conditioning frame).
 *
 * <p>The corrected frame's own output follows {@code add_new_points_or_box} on a frame that already has an output:
 * the clicks go in together with that output as the decoder's mask input ({@code prev_sam_mask_logits}, see
 * {@link FramePrompt#previousLogits}), added to the frame's earlier clicks and box when it was a prompted frame (the
 * official demo's {@code clear_old_points=False}); a mask replaces the frame's output ({@code add_new_mask}).
 * One difference: the official predictor decodes a frame it had tracked with the memory of its earlier run;
 * that memory is not kept between runs here, so the frame is decoded as a new conditioning frame, on its own
 * features, as every prompted frame is. Not thread-safe (the engine is not).
 */
public final class StructureCorrection {

    private final AxisSegmenter segmenter;

    public StructureCorrection(Sam2Model model, MemoryPolicy policy) {
        this.segmenter = new AxisSegmenter(model, policy);
    }

    /**
     * Segments the structure again with the correction; its frames grow to hold the corrected frame.
     *
     * @param ras the CT volume in RAS+ order
     * @param original the structure's prompts of the earlier run, on {@code previous}'s axis
     * @param correction the correction, one frame of the same structure and axis
     * @param previous the earlier run's logits of the axis, holding the structure
     * @param progress told after every frame step, or null
     * @return the structure's logits alone (on the heap: one structure)
     */
    public LogitVolume correct(ImageVolume ras, dev.triplane.core.prompts.StructurePrompts original,
            dev.triplane.core.prompts.FramePrompt correction, AxisLogits previous, AxisSegmenter.Progress progress) {
        Axis axis = original.axis();
        int index = previous.indexOf(original.structureId());
        if (correction.axis() != axis || correction.structureId() != original.structureId() || index < 0
                || previous.axis() != axis) {
            throw new IllegalArgumentException("correction of structure " + correction.structureId() + " on "
                    + correction.axis().id() + " does not match the earlier run of structure " + original.structureId()
                    + " on " + axis.id());
        }
        int t = correction.frame();
        StructurePrompts earlier = AxisSegmenter.toEngine(original);
        FramePrompt replaced = null;
        List<FramePrompt> prompts = new ArrayList<>();
        for (FramePrompt p : earlier.prompts()) {
            if (p.frame() == t) {
                replaced = p;
            } else {
                prompts.add(p);
            }
        }
        FramePrompt fresh = AxisSegmenter.toEngine(new dev.triplane.core.prompts.StructurePrompts(
                original.structureId(), axis, new FrameRange(t, t), List.of(correction))).prompts().get(0);
        prompts.add(fresh.isMask() ? fresh : onTopOf(fresh, replaced, frameLogits(previous, index, t)));
        FrameRange range = new FrameRange(Math.min(original.range().first(), t), Math.max(original.range().last(), t));
        return segmenter.segmentEngine(ras, axis, new StructurePrompts(original.structureId(), prompts, range.first(),
                range.last()), progress);
    }

    /**
     * The earlier logits of every structure with one structure's replaced by {@code corrected}'s: the axis' logits
     * of the new revision.
     */
    public static LogitVolume replace(AxisLogits previous, AxisLogits corrected) {
        int n = previous.structureCount();
        int[] ids = previous.ids();
        int[] firsts = new int[n];
        int[] lasts = new int[n];
        int c = previous.indexOf(corrected.id(0));
        for (int i = 0; i < n; i++) {
            AxisLogits from = i == c ? corrected : previous;
            int k = i == c ? 0 : i;
            firsts[i] = from.first(k);
            lasts[i] = from.last(k);
        }
        LogitVolume out = new LogitVolume(previous.grid(), previous.axis(), ids, firsts, lasts);
        float[] frame = new float[previous.frames().frameSize()];
        for (int i = 0; i < n; i++) {
            AxisLogits from = i == c ? corrected : previous;
            int k = i == c ? 0 : i;
            for (int t = firsts[i]; t <= lasts[i]; t++) {
                from.copyFrame(k, t, frame);
                out.putFrame(i, t, frame);
            }
        }
        return out;
    }

    /** The new clicks (and box) added to the frame's earlier clicks and box, on top of its earlier output. */
    private static FramePrompt onTopOf(FramePrompt fresh, FramePrompt replaced, float[] previousLogits) {
        boolean keep = replaced != null && !replaced.isMask() && fresh.box() == null;
        float[] points = fresh.points();
        int[] labels = fresh.labels();
        float[] box = fresh.box();
        if (keep) {
            points = new float[replaced.points().length + fresh.points().length];
            System.arraycopy(replaced.points(), 0, points, 0, replaced.points().length);
            System.arraycopy(fresh.points(), 0, points, replaced.points().length, fresh.points().length);
            labels = new int[replaced.labels().length + fresh.labels().length];
            System.arraycopy(replaced.labels(), 0, labels, 0, replaced.labels().length);
            System.arraycopy(fresh.labels(), 0, labels, replaced.labels().length, fresh.labels().length);
            box = replaced.box();
        }
        return new FramePrompt(fresh.frame(), points, labels, box, null, previousLogits);
    }

    /** The frame's earlier output, null where the earlier run did not segment the frame (no output to refine). */
    private static float[] frameLogits(AxisLogits logits, int structure, int frame) {
        if (frame < logits.first(structure) || frame > logits.last(structure)) {
            return null;
        }
        float[] out = new float[logits.frames().frameSize()];
        logits.copyFrame(structure, frame, out);
        return out;
    }
}
