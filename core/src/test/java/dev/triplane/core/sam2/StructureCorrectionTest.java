package dev.triplane.core.sam2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.prompts.DerivationOptions;
import dev.triplane.core.prompts.LabelPrompts;
import dev.triplane.core.prompts.PointPrompt;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.MemoryPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Corrections on the sample with the micro model: the corrected frame conditions on its earlier output. */
class StructureCorrectionTest {

    private static final Axis AXIS = Axis.AXIAL;

    @BeforeAll
    static void load() throws Exception {
        AxisSegmenterTest.load();
    }

    @AfterAll
    static void close() {
        AxisSegmenterTest.close();
    }

    @Test
    void theMaskInputIsWhatTheGraphsDownsamplingTurnsBackIntoTheLowResLogits() {
        Sam2Constants c = AxisSegmenterTest.model.constants();
        int l = 3;
        float[] low = new float[l * l];
        Random random = new Random(7);
        for (int p = 0; p < low.length; p++) {
            low[p] = random.nextFloat() * 64 - 32;
        }
        float[] input = c.maskInputFor(low, l);
        int s = 4 * l;
        // sam_heads' mask_downsample: one channel, 4 x 4 kernel, stride 4, no padding
        for (int y = 0; y < l; y++) {
            for (int x = 0; x < l; x++) {
                float sum = c.maskDownsampleBias()[0];
                for (int ky = 0; ky < 4; ky++) {
                    for (int kx = 0; kx < 4; kx++) {
                        sum += c.maskDownsampleWeight()[ky * 4 + kx] * input[(4 * y + ky) * s + 4 * x + kx];
                    }
                }
                assertThat(sum).isCloseTo(low[y * l + x], within(1e-3f));
            }
        }
    }

    @Test
    void clicksOnATrackedFrameGoInOnTopOfItsEarlierOutputAndOnlyThatStructureChanges() {
        int[] ids = {AxisSegmenterTest.largestTwo()[0], AxisSegmenterTest.largestTwo()[1]};
        List<dev.triplane.core.prompts.StructurePrompts> prompts = LabelPrompts.deriveAll(AxisSegmenterTest.labels,
                ids, List.of(AXIS), DerivationOptions.defaults());
        MemoryPolicy policy = MemoryPolicy.parse("baseline");
        LogitVolume before = new AxisSegmenter(AxisSegmenterTest.model, policy).segment(AxisSegmenterTest.ct, AXIS,
                prompts, null);
        dev.triplane.core.prompts.StructurePrompts original = prompts.get(0);
        // a tracked frame (inside the structure's frames, not prompted) where the earlier run found the structure
        AxisFrames frames = new AxisFrames(AxisSegmenterTest.ct.grid(), AXIS);
        int t = -1;
        int most = 0;
        float[] scan = new float[frames.frameSize()];
        for (int f = original.range().first(); f <= original.range().last(); f++) {
            before.copyFrame(0, f, scan);
            int inside = 0;
            for (float v : scan) {
                inside += v > 0 ? 1 : 0;
            }
            if (Arrays.binarySearch(original.frames(), f) < 0 && inside > most) {
                most = inside;
                t = f;
            }
        }
        assertThat(t).isNotNegative();
        dev.triplane.core.prompts.FramePrompt click = new dev.triplane.core.prompts.FramePrompt(ids[0], AXIS, t,
                List.of(new PointPrompt(frames.frameWidth() / 2.0, frames.frameHeight() / 2.0, true)), null, null);

        StructureCorrection correction = new StructureCorrection(AxisSegmenterTest.model, policy);
        List<Integer> steps = new ArrayList<>();
        LogitVolume corrected = correction.correct(AxisSegmenterTest.ct, original, click, before,
                (done, total) -> steps.add(done));
        assertThat(corrected.ids()).containsExactly(ids[0]);
        assertThat(steps).isNotEmpty();

        // the same click on a frame the earlier run never segmented (no output there) decodes differently: the
        // earlier output went in as the mask input
        LogitVolume absent = new LogitVolume(before.grid(), AXIS, before.ids(), new int[] {0, 0}, new int[] {0, 0});
        LogitVolume fromNothing = correction.correct(AxisSegmenterTest.ct, original, click, absent, null);
        int plane = frames.frameSize();
        float[] a = new float[plane];
        float[] b = new float[plane];
        corrected.copyFrame(0, t, a);
        fromNothing.copyFrame(0, t, b);
        assertThat(Arrays.equals(a, b)).as("same output with and without the earlier one").isFalse();

        // the corrected frame is a conditioning frame: the engine with that prompt yields the same frame
        float[] earlier = new float[plane];
        before.copyFrame(0, t, earlier);
        List<FramePrompt> engine = new ArrayList<>(AxisSegmenter.toEngine(original).prompts());
        engine.add(new FramePrompt(t, new float[] {frames.frameWidth() / 2f, frames.frameHeight() / 2f},
                new int[] {1}, null, null, earlier));
        boolean[] conditioning = new boolean[1];
        int frame = t;
        new VideoPropagator(AxisSegmenterTest.model, policy, true).propagate(FrameSource.of(frames,
                AxisSegmenterTest.ct.voxels()), new FramePreprocessor(AxisSegmenterTest.model.config().imageSize()),
                List.of(new StructurePrompts(ids[0], engine, original.range().first(), original.range().last())),
                (reverse, f, i, out, cond) -> conditioning[0] |= f == frame && cond);
        assertThat(conditioning[0]).isTrue();

        LogitVolume revision = StructureCorrection.replace(before, corrected);
        float[] x = new float[plane];
        float[] y = new float[plane];
        for (int f = 0; f < frames.frameCount(); f++) {
            revision.copyFrame(1, f, x);
            before.copyFrame(1, f, y);
            assertThat(Arrays.equals(x, y)).as("other structure, frame %d", f).isTrue();
            revision.copyFrame(0, f, x);
            corrected.copyFrame(0, f, y);
            assertThat(Arrays.equals(x, y)).as("corrected structure, frame %d", f).isTrue();
        }
    }
}
