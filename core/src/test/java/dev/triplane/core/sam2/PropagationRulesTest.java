package dev.triplane.core.sam2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.propagation.Direction;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.propagation.MemorySelection;
import dev.triplane.core.volume.ImageVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/method.md §2 rules that need the graphs (micro model on CT frames): items 3, 4, 6 and 7, and the memory bound.
 * Frame-0 and frame-1 outputs are rebuilt step by step from the adapters and compared with the propagator.
 */
class PropagationRulesTest {

    private static final int W = 122;
    private static final int H = 101;
    /** Centre of the L1 vertebra on CT slice 18 (fixture prompt). */
    private static final float[] VERTEBRA = {57f, 36f};

    static Sam2Model model;
    static ImageVolume ct;
    static Sam2Config config;

    @BeforeAll
    static void load() throws IOException {
        model = Sam2Model.load(Sam2ParityTest.MODEL, Sam2Options.cpu(2));
        config = model.config();
        ct = new NiftiReader(ReadLimits.defaults()).read(Fixtures.sample("example_ct_sm.nii.gz")).toImageVolume();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** {@code count} frames: CT slices from {@code first} on, wrapping around the 30 slices. */
    static FrameSource video(int first, int count) {
        AxisFrames frames = new AxisFrames(ct.grid(), Axis.AXIAL);
        return new FrameSource() {
            public int width() {
                return W;
            }

            public int height() {
                return H;
            }

            public int count() {
                return count;
            }

            public void copyFrame(int t, float[] out) {
                frames.copyFrame(ct.voxels(), (first + t) % frames.frameCount(), out);
            }
        };
    }

    private static ImageEncoder.Features encode(FrameSource video, int t) {
        FramePreprocessor pre = new FramePreprocessor(config.imageSize());
        float[] hu = new float[W * H];
        video.copyFrame(t, hu);
        float[] tensor = pre.newTensor();
        pre.preprocess(hu, W, H, tensor);
        return model.imageEncoder().encode(tensor);
    }

    private static List<FrameOutput> run(FrameSource video, List<StructurePrompts> prompts) {
        List<FrameOutput> outputs = new ArrayList<>();
        new VideoPropagator(model, MemoryPolicy.parse("baseline"), false).propagate(video,
                new FramePreprocessor(config.imageSize()), prompts, (reverse, frame, s, out, cond) -> outputs.add(out));
        return outputs;
    }

    private static double maxAbs(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    /** Logits or object score: an absent object's -1024 logits hide any other difference. */
    private static double distance(FrameOutput a, FrameOutput b) {
        return Math.max(maxAbs(a.lowResLogits(), b.lowResLogits()), Math.abs(a.objectScore() - b.objectScore()));
    }

    private static float[] plus(float[] nchw, float[] perChannel) {
        float[] out = nchw.clone();
        int hw = nchw.length / perChannel.length;
        for (int c = 0; c < perChannel.length; c++) {
            for (int p = c * hw; p < (c + 1) * hw; p++) {
                out[p] += perChannel[c];
            }
        }
        return out;
    }

    @Test
    void initialConditioningFrameAddsNoMemEmbedAndTheNextFrameReadsAMemoryOfTheRawFeature() {
        FrameSource video = video(18, 2);
        List<FrameOutput> outputs = run(video, List.of(new StructurePrompts(1,
                List.of(FramePrompt.points(0, VERTEBRA.clone(), new int[] {1})))));
        assertThat(outputs).hasSize(2 + 1);
        MaskSelection selection = new MaskSelection(config, model.constants());
        int s = config.imageSize();
        float[] coords = {VERTEBRA[0] / W * s, VERTEBRA[1] / H * s};

        // frame 0: heads on raw + no_mem_embed, one click -> multimask
        ImageEncoder.Features f0 = encode(video, 0);
        float[] withNoMem = plus(f0.visionFeatures(), model.constants().noMemEmbed());
        FrameOutput frame0 = selection.select(model.samHeads().run(withNoMem, f0, coords, new int[] {1}, null), true);
        assertThat(maxAbs(outputs.get(0).lowResLogits(), frame0.lowResLogits())).isLessThan(1e-5);
        FrameOutput rawHeads = selection.select(model.samHeads().run(f0.visionFeatures(), f0, coords,
                new int[] {1}, null), true);
        assertThat(maxAbs(outputs.get(0).lowResLogits(), rawHeads.lowResLogits())).isGreaterThan(1e-3);

        // frame 1: memory of frame 0 from its RAW feature and binarized mask
        FrameOutput fromRaw = trackSecondFrame(video, frame0, f0.visionFeatures());
        assertThat(distance(outputs.get(1), fromRaw)).isLessThan(1e-5);
        FrameOutput fromConditioned = trackSecondFrame(video, frame0, withNoMem);
        assertThat(distance(outputs.get(1), fromConditioned)).isGreaterThan(1e-4);
    }

    private FrameOutput trackSecondFrame(FrameSource video, FrameOutput frame0, float[] memoryFeature) {
        float[] mask = VideoPropagator.maskForMemory(frame0.lowResLogits(), config.lowResSize(), config.imageSize(),
                true, 20f, -10f);
        MemoryEncoder.Output mem = model.memoryEncoder().encode(memoryFeature, mask, frame0.objectScore());
        float[] tokens = VideoPropagator.tokens(mem.maskmemFeatures(), config.memDim());
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = VideoPropagator.bfloat16(tokens[i]);
        }
        MemoryBank bank = new MemoryBank();
        bank.putCond(0, frame0, tokens);
        MemorySelection sel = MemorySelection.select(1, Direction.FORWARD, 2, new int[] {0}, new BitSet(),
                MemoryPolicy.parse("baseline"));
        MemoryTokens memory = MemoryTokens.assemble(sel, bank, config, model.constants(),
                VideoPropagator.tokens(mem.maskmemPosEnc(), config.memDim()));
        ImageEncoder.Features f1 = encode(video, 1);
        float[] pix = model.memoryAttention().attend(VideoPropagator.tokens(f1.visionFeatures(), config.hiddenDim()),
                VideoPropagator.tokens(f1.visionPosEnc(), config.hiddenDim()), memory.memory(), memory.memoryPos(),
                memory.numObjPtrTokens());
        return new MaskSelection(config, model.constants()).select(model.samHeads().run(pix, f1, new float[2],
                new int[] {-1}, null), true);
    }

    @Test
    void maskPromptOutputIsTheScaledMaskAndAnEmptyMaskIsAbsent() {
        boolean[] square = new boolean[W * H];
        for (int y = 30; y < 50; y++) {
            for (int x = 50; x < 70; x++) {
                square[y * W + x] = true;
            }
        }
        List<FrameOutput> outputs = run(video(18, 1), List.of(
                new StructurePrompts(1, List.of(FramePrompt.mask(0, square))),
                new StructurePrompts(2, List.of(FramePrompt.mask(0, new boolean[W * H])))));
        int s = config.imageSize();
        int l = config.lowResSize();
        float[] video = new float[W * H];
        for (int p = 0; p < video.length; p++) {
            video[p] = square[p] ? 1f : 0f;
        }
        float[] high = new float[s * s];
        Resize.antialiased(video, H, W, high, s, s);
        for (int p = 0; p < high.length; p++) {
            high[p] = high[p] >= 0.5f ? 10f : -10f;
        }
        float[] low = new float[l * l];
        Resize.antialiased(high, s, s, low, l, l);
        FrameOutput present = outputs.get(0);
        assertThat(present.lowResLogits()).containsExactly(low);
        assertThat(present.objectScore()).isEqualTo(10f);
        assertThat(present.chosenMask()).isEqualTo(-1);
        FrameOutput absent = outputs.get(1);
        for (float v : absent.lowResLogits()) {
            assertThat(v).isCloseTo(-10f, within(1e-5f));
        }
        assertThat(absent.objectScore()).isEqualTo(-10f);
        assertThat(absent.objPtr()).containsExactly(model.constants().noObjPtr());
    }

    @Test
    void imageEncoderRunsOncePerFrameWhateverTheNumberOfStructures() {
        int frames = 6;
        for (int structures : new int[] {1, 3}) {
            List<StructurePrompts> prompts = new ArrayList<>();
            for (int i = 0; i < structures; i++) {
                prompts.add(new StructurePrompts(i + 1, List.of(FramePrompt.points(0,
                        new float[] {VERTEBRA[0] + i, VERTEBRA[1]}, new int[] {1}))));
            }
            long before = model.imageEncoder().runs();
            List<FrameOutput> outputs = run(video(18, frames), prompts);
            assertThat(model.imageEncoder().runs() - before).as("%d structures", structures).isEqualTo(frames);
            assertThat(outputs).hasSize(structures * (frames + 1));
        }
    }

    @Test
    void memoryHeldIsBoundedByTheWindowNotTheVideoLength() {
        int frames = 48;
        VideoPropagator propagator = new VideoPropagator(model, MemoryPolicy.parse("baseline"), false);
        List<VideoPropagator.StructureResult> results = propagator.propagate(video(0, frames),
                new FramePreprocessor(config.imageSize()), List.of(new StructurePrompts(7, List.of(
                        FramePrompt.points(2, VERTEBRA.clone(), new int[] {1}),
                        FramePrompt.points(20, VERTEBRA.clone(), new int[] {1})))), null);
        int recent = config.numMaskmem() - 1;
        int pointers = config.maxObjPtrsInEncoder() - 1;
        // this pass's window plus the frames the reverse pass reads first, beyond its start
        assertThat(propagator.maxHeldFeatures()).isBetween(recent, 2 * recent);
        assertThat(propagator.maxHeldPointers()).isBetween(pointers, 2 * pointers);
        assertThat(results.get(0).logits()).hasSize(frames * W * H);
        assertThat(results.get(0).id()).isEqualTo(7);
    }

    @Test
    void promptedOnlySegmentsOnlyPromptedFramesAndMarksTheRestAbsent() {
        int frames = 6;
        List<StructurePrompts> prompts = List.of(new StructurePrompts(3, List.of(
                FramePrompt.points(2, VERTEBRA.clone(), new int[] {1}))));
        long before = model.imageEncoder().runs();
        VideoPropagator.StructureResult np = new VideoPropagator(model, MemoryPolicy.parse("np"), false)
                .propagate(video(0, frames), new FramePreprocessor(config.imageSize()), prompts, null).get(0);
        assertThat(model.imageEncoder().runs() - before).isEqualTo(1);
        VideoPropagator.StructureResult baseline = new VideoPropagator(model, MemoryPolicy.parse("baseline"), false)
                .propagate(video(0, frames), new FramePreprocessor(config.imageSize()), prompts, null).get(0);
        int plane = W * H;
        for (int t = 0; t < frames; t++) {
            float[] npFrame = Arrays.copyOfRange(np.logits(), t * plane, (t + 1) * plane);
            if (t == 2) {
                assertThat(npFrame).containsExactly(Arrays.copyOfRange(baseline.logits(), t * plane, (t + 1) * plane));
                assertThat(np.objectScores()[t]).isEqualTo(baseline.objectScores()[t]);
            } else {
                assertThat(npFrame).containsOnly(VideoPropagator.ABSENT);
                assertThat(np.objectScores()[t]).isEqualTo(VideoPropagator.ABSENT);
            }
        }
    }

    @Test
    void aTamperedModelFileIsRejectedByName(@TempDir Path dir) throws IOException {
        try (var files = Files.list(Sam2ParityTest.MODEL)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        byte[] bytes = Files.readAllBytes(dir.resolve("no_obj_ptr.bin"));
        bytes[0] ^= 1;
        Files.write(dir.resolve("no_obj_ptr.bin"), bytes);
        assertThatThrownBy(() -> Sam2Model.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("no_obj_ptr.bin").hasMessageContaining("SHA-256");
    }
}
