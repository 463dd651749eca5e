package dev.triplane.core.sam2;

import static dev.triplane.core.fixtures.Fixtures.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.fixtures.Fixtures;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Against torch 2.x {@code interpolate(bilinear, align_corners=False)} on real CT frames of each axis. */
class FramePreprocessorTest {

    private static final Fixtures GEOMETRY = Fixtures.of("geometry");

    @Test
    void matchesTorchOnSampleFramesOfEveryAxis() {
        JsonNode cases = GEOMETRY.json("preprocess.json").get("cases");
        assertThat(cases.size()).isEqualTo(8);
        // one instance per setting across frames of different shapes, so its plan must follow the shape
        Map<String, FramePreprocessor> bySetting = new HashMap<>();
        for (JsonNode c : cases) {
            int size = c.get("size").asInt();
            double lo = c.get("lo").asDouble();
            double hi = c.get("hi").asDouble();
            FramePreprocessor pre = bySetting.computeIfAbsent(size + " " + lo + " " + hi,
                    key -> new FramePreprocessor(size, lo, hi));
            float[] tensor = pre.newTensor();
            pre.preprocess(GEOMETRY.floats(c.get("input").asString()), c.get("width").asInt(), c.get("height").asInt(),
                    tensor);

            int[] rows = ints(c.get("rows"));
            float[] expected = GEOMETRY.floats(c.get("output").asString());
            assertThat(expected).hasSize(3 * rows.length * size);
            double maxError = 0;
            for (int ch = 0; ch < 3; ch++) {
                for (int r = 0; r < rows.length; r++) {
                    for (int x = 0; x < size; x++) {
                        float want = expected[(ch * rows.length + r) * size + x];
                        float got = tensor[ch * size * size + rows[r] * size + x];
                        maxError = Math.max(maxError, Math.abs(want - got));
                    }
                }
            }
            assertThat(maxError).as(c.get("output").asString()).isLessThan(1e-4);
        }
    }

    @Test
    void clipsToTheWindowAndNormalisesEachChannel() {
        FramePreprocessor pre = new FramePreprocessor(4, -100, 100);
        float[] tensor = pre.newTensor();
        pre.preprocess(new float[] {5000, 5000, 5000, 5000}, 2, 2, tensor);
        assertThat(tensor[0]).isCloseTo((1 - 0.485f) / 0.229f, within(1e-6f));
        assertThat(tensor[16]).isCloseTo((1 - 0.456f) / 0.224f, within(1e-6f));
        assertThat(tensor[47]).isCloseTo((1 - 0.406f) / 0.225f, within(1e-6f));
        pre.preprocess(new float[] {-5000, -5000, -5000, -5000}, 2, 2, tensor);
        assertThat(tensor[5]).isCloseTo(-0.485f / 0.229f, within(1e-6f));
    }

    @Test
    void rejectsBadShapesAndWindows() {
        FramePreprocessor pre = new FramePreprocessor(8);
        assertThatThrownBy(() -> pre.preprocess(new float[6], 2, 2, pre.newTensor()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pre.preprocess(new float[4], 2, 2, new float[10]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FramePreprocessor(8, 10, 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
