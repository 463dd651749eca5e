package dev.triplane.core.sam2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.labels.FrameMask;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.prompts.BoxPrompt;
import dev.triplane.core.prompts.DerivationOptions;
import dev.triplane.core.prompts.FrameRange;
import dev.triplane.core.prompts.LabelPrompts;
import dev.triplane.core.prompts.PointPrompt;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The axis step on the sample with the micro model: prompts from labels, ranges, float16 logits, progress. */
class AxisSegmenterTest {

    static Sam2Model model;
    static ImageVolume ct;
    static LabelVolume labels;

    @BeforeAll
    static void load() throws IOException {
        model = Sam2Model.load(Sam2ParityTest.MODEL, Sam2Options.cpu(2));
        NiftiReader reader = new NiftiReader(ReadLimits.defaults());
        ImageVolume image = reader.read(Fixtures.sample("example_ct_sm.nii.gz")).toImageVolume();
        Reorientation toRas = Reorientation.toRas(image.grid());
        ct = new ImageVolume(toRas.target(), toRas.forward(image.voxels()));
        labels = new LabelVolume(toRas.target(), toRas.forward(
                reader.read(Fixtures.sample("example_seg.nii.gz")).toLabelVolume().labels()));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The two structures with the most voxels. */
    static int[] largestTwo() {
        int[] counts = new int[256];
        for (int id : labels.labels()) {
            counts[id]++;
        }
        counts[0] = 0;
        return IntStream.range(0, counts.length).boxed().sorted((a, b) -> counts[b] - counts[a]).limit(2)
                .mapToInt(Integer::intValue).sorted().toArray();
    }

    @Test
    void segmentsEachStructureOnItsFramesOnlyAndAgreesWithTheEngine() {
        Axis axis = Axis.CORONAL;
        int[] ids = largestTwo();
        List<dev.triplane.core.prompts.StructurePrompts> prompts = LabelPrompts.deriveAll(labels, ids,
                List.of(axis), DerivationOptions.defaults());
        assertThat(prompts).hasSize(2);
        List<int[]> steps = new ArrayList<>();
        LogitVolume logits = new AxisSegmenter(model, MemoryPolicy.parse("baseline")).segment(ct, axis, prompts,
                (done, total) -> steps.add(new int[] {done, total}));

        assertThat(logits.ids()).containsExactly(ids);
        int[] last = steps.get(steps.size() - 1);
        assertThat(last[0]).isEqualTo(last[1]).isEqualTo(steps.size());

        AxisFrames frames = new AxisFrames(ct.grid(), axis);
        List<StructurePrompts> engine = prompts.stream().map(AxisSegmenter::toEngine).toList();
        List<VideoPropagator.StructureResult> reference = new VideoPropagator(model, MemoryPolicy.parse("baseline"),
                true).propagate(FrameSource.of(frames, ct.voxels()), new FramePreprocessor(model.config().imageSize()),
                engine, null);
        int plane = frames.frameSize();
        float[] frame = new float[plane];
        for (int i = 0; i < 2; i++) {
            FrameRange range = prompts.get(i).range();
            assertThat(logits.first(i)).isEqualTo(range.first());
            assertThat(logits.last(i)).isEqualTo(range.last());
            for (int t = 0; t < frames.frameCount(); t++) {
                logits.copyFrame(i, t, frame);
                if (!range.contains(t)) {
                    assertThat(frame).as("structure %d frame %d", ids[i], t).containsOnly(LogitVolume.ABSENT);
                    continue;
                }
                for (int p = 0; p < plane; p++) {
                    float expected = reference.get(i).logits()[t * plane + p];
                    assertThat(frame[p]).isCloseTo(expected, within(Math.abs(expected) / 1024 + 1e-4f));
                }
            }
        }
    }

    @Test
    void framesOutsideEveryRangeAreNeverEncoded() {
        Axis axis = Axis.AXIAL;
        int t = 15;
        dev.triplane.core.prompts.StructurePrompts narrow = new dev.triplane.core.prompts.StructurePrompts(1, axis,
                new FrameRange(t - 2, t + 1), List.of(new dev.triplane.core.prompts.FramePrompt(1, axis, t,
                        List.of(new PointPrompt(57, 36, true)), null, null)));
        long before = model.imageEncoder().runs();
        LogitVolume logits = new AxisSegmenter(model, MemoryPolicy.parse("baseline")).segment(ct, axis,
                List.of(narrow), null);
        // the prompted frame, one forward step (t + 1), two reverse steps (t - 1, t - 2)
        assertThat(model.imageEncoder().runs() - before).isEqualTo(4);
        float[] frame = new float[logits.frames().frameSize()];
        logits.copyFrame(0, t + 2, frame);
        assertThat(frame).containsOnly(LogitVolume.ABSENT);
        assertThat(logits.first(0)).isEqualTo(t - 2);
        assertThat(logits.last(0)).isEqualTo(t + 1);
    }

    @Test
    void aMaskPromptStandsAloneAndClicksGoWithTheBox() {
        Axis axis = Axis.AXIAL;
        FrameMask mask = FrameMask.of(labels, largestTwo()[0], axis, 10);
        dev.triplane.core.prompts.StructurePrompts s = new dev.triplane.core.prompts.StructurePrompts(3, axis,
                FrameRange.whole(30), List.of(
                        new dev.triplane.core.prompts.FramePrompt(3, axis, 10,
                                List.of(new PointPrompt(1, 2, true)), new BoxPrompt(0, 0, 4, 4), mask),
                        new dev.triplane.core.prompts.FramePrompt(3, axis, 12,
                                List.of(new PointPrompt(5.5, 6, true), new PointPrompt(7, 8, false)),
                                new BoxPrompt(1, 2, 30, 40), null)));
        StructurePrompts engine = AxisSegmenter.toEngine(s);
        assertThat(engine.id()).isEqualTo(3);
        assertThat(engine.first()).isZero();
        assertThat(engine.last()).isEqualTo(29);
        FramePrompt maskPrompt = engine.prompts().get(0);
        assertThat(maskPrompt.isMask()).isTrue();
        assertThat(maskPrompt.mask()).hasSize(mask.pixels().length).isEqualTo(mask.pixels());
        assertThat(maskPrompt.labels()).isEmpty();
        FramePrompt clicks = engine.prompts().get(1);
        assertThat(clicks.frame()).isEqualTo(12);
        assertThat(clicks.points()).containsExactly(5.5f, 6f, 7f, 8f);
        assertThat(clicks.labels()).containsExactly(1, 0);
        assertThat(clicks.box()).containsExactly(1f, 2f, 30f, 40f);
    }
}
