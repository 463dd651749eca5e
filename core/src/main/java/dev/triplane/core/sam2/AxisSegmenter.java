package dev.triplane.core.sam2;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.prompts.BoxPrompt;
import dev.triplane.core.prompts.PointPrompt;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.volume.ImageVolume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Segments many structures along one axis of a CT volume in RAS+ order: the axis' frames are the pseudo-video,
 * each structure's prompts ({@link dev.triplane.core.prompts.StructurePrompts}, from labels or a prompt file)
 * become engine prompts, the image encoder runs once per frame for all structures, and the logits land in a
 * {@link LogitVolume} holding each structure on its propagated frames only, on the heap or spilled to a file.
 * The one step an axis job and the in-process ablation share.
 *
 * <p>A prompted frame with a mask uses the mask alone (as SAM2's {@code add_new_mask} replaces a frame's clicks);
 * otherwise its box and clicks go together. Not thread-safe (the engine is not).
 */
public final class AxisSegmenter {

    /** Frame steps done out of the steps of both passes; called after every step. */
    @FunctionalInterface
    public interface Progress {
        void onStep(int stepsDone, int stepsTotal);
    }

    private final VideoPropagator propagator;
    private final FramePreprocessor preprocessor;

    /**
     * @param preprocessor HU window and resize; its size must be the model's image size
     */
    public AxisSegmenter(Sam2Model model, MemoryPolicy policy, FramePreprocessor preprocessor, boolean fillHoles) {
        this.propagator = new VideoPropagator(model, policy, fillHoles);
        this.preprocessor = preprocessor;
    }

    /** The official settings: default HU window, hole filling on. */
    public AxisSegmenter(Sam2Model model, MemoryPolicy policy) {
        this(model, policy, new FramePreprocessor(model.config().imageSize()), true);
    }

    /**
     * Segments onto the heap: for small volumes and few structures (tests, the in-process ablation).
     *
     * @param ras     the CT volume in RAS+ order
     * @param prompts one entry per structure, all on {@code axis}; structure ids distinct
     * @param progress told after every frame step, or null
     */
    public LogitVolume segment(ImageVolume ras, Axis axis, List<dev.triplane.core.prompts.StructurePrompts> prompts,
            Progress progress) {
        try {
            return segment(ras, axis, prompts, progress, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // nothing is spilled
        }
    }

    /**
     * Segments with the logits spilled frame by frame to a temporary file in {@code spillDir} (see
     * {@link LogitVolume#spilled}), so the heap does not grow with the structures; close the result.
     *
     * @param spillDir where the spill file goes; null keeps the logits on the heap
     */
    public LogitVolume segment(ImageVolume ras, Axis axis, List<dev.triplane.core.prompts.StructurePrompts> prompts,
            Progress progress, Path spillDir) throws IOException {
        int n = prompts.size();
        int[] ids = new int[n];
        int[] firsts = new int[n];
        int[] lasts = new int[n];
        List<StructurePrompts> engine = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            dev.triplane.core.prompts.StructurePrompts s = prompts.get(i);
            if (s.axis() != axis) {
                throw new IllegalArgumentException("structure " + s.structureId() + " is prompted on " + s.axis().id()
                        + ", not " + axis.id());
            }
            ids[i] = s.structureId();
            firsts[i] = s.range().first();
            lasts[i] = s.range().last();
            engine.add(toEngine(s));
        }
        LogitVolume logits = spillDir == null ? new LogitVolume(ras.grid(), axis, ids, firsts, lasts)
                : LogitVolume.spilled(ras.grid(), axis, ids, firsts, lasts, spillDir);
        propagate(ras, axis, engine, progress, logits);
        return logits;
    }

    /** Segments one structure from engine prompts onto the heap ({@link StructureCorrection}). */
    LogitVolume segmentEngine(ImageVolume ras, Axis axis, StructurePrompts structure, Progress progress) {
        LogitVolume logits = new LogitVolume(ras.grid(), axis, new int[] {structure.id()},
                new int[] {structure.first()}, new int[] {structure.last()});
        propagate(ras, axis, List.of(structure), progress, logits);
        return logits;
    }

    /** Runs the engine into {@code logits}, closing them when it fails. */
    private void propagate(ImageVolume ras, Axis axis, List<StructurePrompts> engine, Progress progress,
            LogitVolume logits) {
        AxisFrames frames = new AxisFrames(ras.grid(), axis);
        try {
            propagator.propagate(FrameSource.of(frames, ras.voxels()), preprocessor, engine, null,
                    new VideoPropagator.LogitSink() {
                        @Override
                        public void accept(int structure, int frame, float[] frameLogits, float objectScore) {
                            logits.putFrame(structure, frame, frameLogits);
                        }

                        @Override
                        public void acceptMax(int structure, int frame, float[] frameLogits, float objectScore) {
                            logits.maxFrame(structure, frame, frameLogits);
                        }

                        @Override
                        public void progress(int stepsDone, int stepsTotal) {
                            if (progress != null) {
                                progress.onStep(stepsDone, stepsTotal);
                            }
                        }
                    });
        } catch (RuntimeException | Error e) {
            logits.close();
            throw e;
        }
    }

    /** The engine's prompts of one structure, in frame pixels as both sides use them. */
    static StructurePrompts toEngine(dev.triplane.core.prompts.StructurePrompts s) {
        List<FramePrompt> out = new ArrayList<>(s.prompts().size());
        for (dev.triplane.core.prompts.FramePrompt p : s.prompts()) {
            if (p.hasMask()) {
                out.add(FramePrompt.mask(p.frame(), p.mask().pixels()));
                continue;
            }
            float[] points = new float[2 * p.points().size()];
            int[] labels = new int[p.points().size()];
            for (int k = 0; k < labels.length; k++) {
                PointPrompt point = p.points().get(k);
                points[2 * k] = (float) point.x();
                points[2 * k + 1] = (float) point.y();
                labels[k] = point.label();
            }
            BoxPrompt b = p.box();
            float[] box = b == null ? null : new float[] {(float) b.x0(), (float) b.y0(), (float) b.x1(), (float) b.y1()};
            out.add(new FramePrompt(p.frame(), points, labels, box, null));
        }
        return new StructurePrompts(s.structureId(), out, s.range().first(), s.range().last());
    }
}
