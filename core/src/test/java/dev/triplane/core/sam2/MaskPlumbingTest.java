package dev.triplane.core.sam2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.fixtures.Fixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Resizes, memory-encoder mask input (docs/method.md §2 item 3) and hole filling (item 8). */
class MaskPlumbingTest {

    private static final Fixtures SAM2 = Fixtures.of("sam2");

    @Test
    void maskPromptResizeMatchesTheOfficialAntialiasedResize() {
        JsonNode fixture = SAM2.json("fixture.json");
        int h = fixture.get("video_height").asInt();
        int w = fixture.get("video_width").asInt();
        int s = fixture.get("image_size").asInt();
        int[] masks = SAM2.unsignedBytes("mask_prompts.u8.gz");
        int[] resized = SAM2.unsignedBytes("mask_prompts_resized.u8.gz");
        int count = resized.length / (s * s);
        int foreground = 0;
        for (int m = 0; m < count; m++) {
            float[] video = new float[h * w];
            for (int p = 0; p < video.length; p++) {
                video[p] = masks[m * h * w + p];
            }
            float[] out = new float[s * s];
            Resize.antialiased(video, h, w, out, s, s);
            for (int p = 0; p < out.length; p++) {
                assertThat(out[p] >= 0.5f ? 1 : 0).as("mask %d pixel %d", m, p).isEqualTo(resized[m * s * s + p]);
                foreground += resized[m * s * s + p];
            }
        }
        assertThat(foreground).isPositive();
    }

    @Test
    void antialiasedShrinkAveragesWithTriangleWeightsAndBilinearGrowsLikeTorch() {
        float[] src = new float[16 * 16];
        src[5 * 16 + 5] = 1f;
        float[] out = new float[4 * 4];
        Resize.antialiased(src, 16, 16, out, 4, 4);
        // torch 2.x interpolate(size=(4, 4), bilinear, antialias=True) of a one-hot at (5, 5)
        float[] torch = {0.0012755103f, 0.0078125f, 0, 0, 0.0078125f, 0.0478515625f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        for (int p = 0; p < out.length; p++) {
            assertThat(out[p]).isCloseTo(torch[p], within(1e-7f));
        }
        float[] grown = new float[4];
        Resize.bilinear(new float[] {0f, 1f}, 1, 2, grown, 1, 4);
        assertThat(grown).containsExactly(0f, 0.25f, 0.75f, 1f);
    }

    @Test
    void pointFramesGiveABinarizedMaskScaledOnce() {
        float[] low = {-3f, -0.2f, 0.1f, 7f};
        float[] mask = VideoPropagator.maskForMemory(low, 2, 2, true, 20f, -10f);
        assertThat(mask).containsExactly(-10f, -10f, 10f, 10f);
    }

    @Test
    void trackedFramesGiveTheSigmoidScaledOnceNotTwice() {
        float[] low = {-3f, -0.2f, 0.1f, 7f};
        float[] mask = VideoPropagator.maskForMemory(low, 2, 2, false, 20f, -10f);
        for (int p = 0; p < low.length; p++) {
            float once = (float) (20 / (1 + Math.exp(-low[p])) - 10);
            assertThat(mask[p]).isCloseTo(once, within(1e-5f));
        }
        // an absent object's -1024 logits give the minimum, -10, not sigmoid(-10) * 20 - 10
        assertThat(VideoPropagator.maskForMemory(new float[] {-1024f}, 1, 1, false, 20f, -10f)).containsExactly(-10f);
    }

    @Test
    void holesOfAtMostMaxAreaEightConnectedAreFilled() {
        int side = 8;
        float[] logits = new float[side * side];
        java.util.Arrays.fill(logits, 5f);
        // hole A: 3 pixels, diagonal neighbours only -> one 8-connected component
        logits[1 * side + 1] = -2f;
        logits[2 * side + 2] = -2f;
        logits[3 * side + 3] = -2f;
        // hole B: 5 pixels in row 6
        for (int x = 1; x <= 5; x++) {
            logits[6 * side + x] = 0f;
        }
        HoleFilling.fill(logits, side, 4);
        assertThat(logits[1 * side + 1]).isEqualTo(HoleFilling.FILL);
        assertThat(logits[3 * side + 3]).isEqualTo(HoleFilling.FILL);
        assertThat(logits[6 * side + 1]).isEqualTo(0f);
        assertThat(logits[0]).isEqualTo(5f);
    }
}
