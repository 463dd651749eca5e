package dev.triplane.core.sam2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.volume.ImageVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The Java engine against the official SAM2VideoPredictor (sam2 1.1.0, micro model) on the 30 axial frames of
 * the CT sample: fixtures written by {@code tools/sam2_export/export.py fixtures}.
 */
class Sam2ParityTest {

    static final Path MODEL = Path.of("..", "models", "sam2-micro");
    private static final Fixtures SAM2 = Fixtures.of("sam2");
    private static final double TOLERANCE = 1e-3;

    record Yielded(boolean reverse, int frame, int structure, FrameOutput output, boolean conditioning) {
    }

    static Sam2Model model;
    static JsonNode fixture;
    static List<Yielded> yielded = new ArrayList<>();
    static List<VideoPropagator.StructureResult> results;
    static long encoderRuns;

    @BeforeAll
    static void propagate() throws Exception {
        model = Sam2Model.load(MODEL, Sam2Options.cpu(2));
        fixture = SAM2.json("fixture.json");
        VideoPropagator propagator = new VideoPropagator(model, MemoryPolicy.parse("baseline"), false);
        long before = model.imageEncoder().runs();
        results = propagator.propagate(ctFrames(), preprocessor(), fixturePrompts(), (reverse, frame, structure,
                output, conditioning) -> yielded.add(new Yielded(reverse, frame, structure, output, conditioning)));
        encoderRuns = model.imageEncoder().runs() - before;
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static FrameSource ctFrames() {
        ImageVolume volume = new NiftiReader(ReadLimits.defaults()).read(Fixtures.sample("example_ct_sm.nii.gz"))
                .toImageVolume();
        return FrameSource.of(new AxisFrames(volume.grid(), Axis.AXIAL), volume.voxels());
    }

    static FramePreprocessor preprocessor() {
        JsonNode window = fixture.get("window");
        return new FramePreprocessor(fixture.get("image_size").asInt(), window.get(0).asDouble(),
                window.get(1).asDouble());
    }

    /** The fixture's prompts, structure i = obj_id i + 1. */
    static List<StructurePrompts> fixturePrompts() {
        int[] masks = SAM2.unsignedBytes("mask_prompts.u8.gz");
        int plane = fixture.get("video_height").asInt() * fixture.get("video_width").asInt();
        List<List<FramePrompt>> byObject = List.of(new ArrayList<>(), new ArrayList<>());
        for (JsonNode p : fixture.get("prompts")) {
            int frame = p.get("frame").asInt();
            FramePrompt prompt = switch (p.get("type").asString()) {
                case "points" -> {
                    JsonNode pts = p.get("points");
                    float[] xy = new float[2 * pts.size()];
                    for (int i = 0; i < pts.size(); i++) {
                        xy[2 * i] = (float) pts.get(i).get(0).asDouble();
                        xy[2 * i + 1] = (float) pts.get(i).get(1).asDouble();
                    }
                    yield FramePrompt.points(frame, xy, Fixtures.ints(p.get("labels")));
                }
                case "box" -> {
                    double[] b = Fixtures.doubles(p.get("box"));
                    yield FramePrompt.box(frame, (float) b[0], (float) b[1], (float) b[2], (float) b[3]);
                }
                default -> {
                    boolean[] mask = new boolean[plane];
                    int offset = p.get("mask_index").asInt() * plane;
                    for (int i = 0; i < plane; i++) {
                        mask[i] = masks[offset + i] != 0;
                    }
                    yield FramePrompt.mask(frame, mask);
                }
            };
            byObject.get(p.get("obj_id").asInt() - 1).add(prompt);
        }
        return List.of(new StructurePrompts(1, byObject.get(0)), new StructurePrompts(2, byObject.get(1)));
    }

    @Test
    void encodingFourFramesPerRunChangesNoOutput() throws Exception {
        try (Sam2Model batched = Sam2Model.load(MODEL, Sam2Options.cpu(2).withEncoderBatch(4))) {
            List<VideoPropagator.StructureResult> got = new VideoPropagator(batched, MemoryPolicy.parse("baseline"),
                    false).propagate(ctFrames(), preprocessor(), fixturePrompts(), null);
            for (int i = 0; i < results.size(); i++) {
                assertThat(got.get(i).logits()).as("structure %d logits", i).isEqualTo(results.get(i).logits());
                assertThat(got.get(i).objectScores()).isEqualTo(results.get(i).objectScores());
            }
            // the frames encoded ahead are exactly the ones the passes use
            assertThat(batched.imageEncoder().runs()).isEqualTo(encoderRuns);
        }
    }

    @Test
    void aModelWithAFixedBatchRefusesAnEncoderBatch(@TempDir Path dir) throws Exception {
        try (var files = Files.list(MODEL)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Path manifest = dir.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\"batch\"", "1"));
        Sam2Model.load(dir, Sam2Options.cpu(1)).close();
        assertThatThrownBy(() -> Sam2Model.load(dir, Sam2Options.cpu(1).withEncoderBatch(2)))
                .isInstanceOf(IOException.class).hasMessageContaining("fixed batch of 1");
    }

    @Test
    void everyYieldedFrameMatchesTheOfficialPredictor() {
        JsonNode records = fixture.get("records");
        float[] lowRef = SAM2.floats("low_res_logits.f32.gz");
        int plane = model.config().lowResSize() * model.config().lowResSize();
        assertThat(yielded).hasSize(records.size());
        double worst = 0;
        for (int r = 0; r < records.size(); r++) {
            JsonNode rec = records.get(r);
            Yielded y = yielded.get(r);
            String what = rec.toString();
            assertThat(y.reverse()).as(what).isEqualTo(rec.get("pass").asString().equals("reverse"));
            assertThat(y.frame()).as(what).isEqualTo(rec.get("frame").asInt());
            assertThat(y.structure() + 1).as(what).isEqualTo(rec.get("obj_id").asInt());
            assertThat(y.conditioning()).as(what).isEqualTo(rec.get("conditioning").asBoolean());
            assertThat(y.output().chosenMask()).as(what).isEqualTo(rec.get("chosen_mask").asInt());
            float score = (float) rec.get("object_score").asDouble();
            assertThat(y.output().objectScore() > 0).as(what).isEqualTo(score > 0);
            worst = Math.max(worst, maxAbs(y.output().lowResLogits(), lowRef, rec.get("low_res_index").asInt() * plane));
        }
        assertThat(worst).as("low-res max-abs").isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void finalVideoResolutionLogitsMatchTheOfficialPredictor() {
        float[] videoRef = SAM2.floats("video_res_logits.f32.gz");
        int plane = fixture.get("video_height").asInt() * fixture.get("video_width").asInt();
        int compared = 0;
        double worst = 0;
        for (JsonNode rec : fixture.get("records")) {
            int index = rec.get("video_res_index").asInt();
            if (index < 0) {
                continue;
            }
            float[] logits = results.get(rec.get("obj_id").asInt() - 1).logits();
            int frame = rec.get("frame").asInt();
            for (int p = 0; p < plane; p++) {
                worst = Math.max(worst, Math.abs(logits[frame * plane + p] - videoRef[index * plane + p]));
            }
            compared++;
        }
        assertThat(compared).isEqualTo(2 * fixture.get("num_frames").asInt());
        assertThat(worst).as("video-res max-abs").isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void objectScoresOfTheFinalOutputsKeepTheirSign() {
        for (JsonNode rec : fixture.get("records")) {
            if (rec.get("video_res_index").asInt() >= 0) {
                float got = results.get(rec.get("obj_id").asInt() - 1).objectScores()[rec.get("frame").asInt()];
                assertThat(got > 0).as(rec.toString()).isEqualTo(rec.get("object_score").asDouble() > 0);
            }
        }
    }

    @Test
    void encoderRunsOncePerFrameStepForBothStructures() {
        // 5 prompted frames, forward 6..29 and reverse 25..0 minus the frames prompted for both (none here)
        int prompted = 5;
        int forward = 30 - 6;
        int reverse = 25 + 1;
        assertThat(encoderRuns).isEqualTo(prompted + forward + reverse);
    }

    private static double maxAbs(float[] got, float[] ref, int offset) {
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - ref[offset + i]));
        }
        return worst;
    }
}
