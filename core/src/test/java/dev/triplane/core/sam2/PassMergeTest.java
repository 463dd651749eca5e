package dev.triplane.core.sam2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.propagation.RefinementFrames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's output path under each merge rule and under a refinement pass (micro model on CT frames, a
 * 10-frame video prompted at frames 1 and 8): what the caller receives, frame by frame, against each pass's own
 * output as the listener saw it.
 */
class PassMergeTest {

    private static final int N = 10;
    private static final int PLANE = 122 * 101;

    @BeforeAll
    static void load() throws IOException {
        PropagationRulesTest.load();
    }

    @AfterAll
    static void close() {
        PropagationRulesTest.close();
    }

    /** One structure, clicked on frames 1 and 8. */
    private static List<StructurePrompts> prompts() {
        float[] point = {57f, 36f};
        return List.of(new StructurePrompts(4, List.of(FramePrompt.points(1, point.clone(), new int[] {1}),
                FramePrompt.points(8, point.clone(), new int[] {1}))));
    }

    /** What one propagation gave: the caller's result and each pass's outputs at video resolution. */
    private record Run(VideoPropagator.StructureResult result, List<Call> calls) {
        float[] pass(boolean reverse, int t) {
            return calls.stream().filter(c -> c.reverse == reverse && c.frame == t).findFirst().orElseThrow().logits;
        }

        float[] result(int t) {
            return Arrays.copyOfRange(result.logits(), t * PLANE, (t + 1) * PLANE);
        }
    }

    private record Call(boolean reverse, int frame, float[] logits, float score, boolean conditioning) {
    }

    private static Run run(String policy) {
        Sam2Config config = PropagationRulesTest.config;
        List<Call> calls = new ArrayList<>();
        FrameSource video = PropagationRulesTest.video(20, N);
        VideoPropagator propagator = new VideoPropagator(PropagationRulesTest.model, MemoryPolicy.parse(policy), false);
        List<VideoPropagator.StructureResult> results = propagator.propagate(video,
                new FramePreprocessor(config.imageSize()), prompts(), (reverse, t, i, out, cond) -> {
                    float[] videoRes = new float[PLANE];
                    Resize.bilinear(out.lowResLogits(), config.lowResSize(), config.lowResSize(), videoRes,
                            video.height(), video.width());
                    calls.add(new Call(reverse, t, videoRes, out.objectScore(), cond));
                });
        return new Run(results.get(0), calls);
    }

    @Test
    void officialKeepsTheReversePassAndNearestPromptTheNearerPass() {
        Run official = run("baseline");
        Run nearest = run("baseline,merge=nearest-prompt");
        int[] differing = new int[2];
        for (int t = 2; t <= 7; t++) {
            assertThat(official.result(t)).as("official, frame %d", t).containsExactly(official.pass(true, t));
            // forward came from frame 1, reverse from frame 8
            boolean forwardNearer = t - 1 < 8 - t;
            assertThat(nearest.result(t)).as("nearest-prompt, frame %d", t)
                    .containsExactly(nearest.pass(!forwardNearer, t));
            if (!Arrays.equals(nearest.pass(false, t), nearest.pass(true, t))) {
                differing[forwardNearer ? 0 : 1]++;
            }
        }
        // the random-weight model sees the object on some of these frames only: the passes must differ on frames
        // of both halves, or the assertions above could not tell the rules apart
        assertThat(differing[0]).isPositive();
        assertThat(differing[1]).isPositive();
        // frames only one pass visits keep it under every rule
        assertThat(nearest.result(9)).containsExactly(nearest.pass(false, 9));
        assertThat(nearest.result(0)).containsExactly(nearest.pass(true, 0));
    }

    @Test
    void maxLogitKeepsThePerPixelMaxOfBothPasses() {
        Run max = run("baseline,merge=max-logit");
        int differing = 0;
        for (int t = 2; t <= 7; t++) {
            float[] forward = max.pass(false, t);
            float[] reverse = max.pass(true, t);
            float[] merged = max.result(t);
            for (int p = 0; p < PLANE; p++) {
                assertThat(merged[p]).isEqualTo(Math.max(forward[p], reverse[p]));
                differing += forward[p] > reverse[p] ? 1 : 0;
            }
        }
        // the forward pass wins some pixels, so a rule that kept the reverse pass would fail above
        assertThat(differing).isPositive();
        assertThat(max.result(9)).containsExactly(max.pass(false, 9));
    }

    @Test
    void aRefinementPassAddsTheMostConfidentFrameOfEachSegmentAsAMaskPrompt() {
        Run refined = run("baseline,passes=1");
        // the first run ends with the reverse pass reaching frame 0; the second starts after it
        int firstRunCalls = 0;
        while (!(refined.calls.get(firstRunCalls).reverse && refined.calls.get(firstRunCalls).frame == 0)) {
            firstRunCalls++;
        }
        firstRunCalls++;
        RefinementFrames expected = new RefinementFrames(new int[] {1, 8});
        for (Call c : refined.calls.subList(0, firstRunCalls)) {
            if (!c.conditioning) {
                expected.offer(c.frame, c.logits, c.score);
            }
        }
        assertThat(expected.frames()).as("the micro model finds confident frames").isNotEmpty();
        TreeSet<Integer> conditioning = new TreeSet<>();
        Map<Integer, Call> last = new HashMap<>();
        for (Call c : refined.calls.subList(firstRunCalls, refined.calls.size())) {
            if (c.conditioning) {
                conditioning.add(c.frame);
            }
            last.put(c.frame, c);
        }
        TreeSet<Integer> want = new TreeSet<>(List.of(1, 8));
        Arrays.stream(expected.frames()).forEach(want::add);
        assertThat(conditioning).isEqualTo(want);
        // a chosen frame's output in the second run is its mask as a prompt (+10 inside, -10 outside, through
        // the model's resampling, so borders may move by a pixel)
        int chosen = expected.frames()[0];
        boolean[] mask = expected.mask(chosen);
        float[] out = refined.result(chosen);
        int agree = 0;
        for (int p = 0; p < PLANE; p++) {
            agree += (out[p] > 0) == mask[p] ? 1 : 0;
        }
        assertThat(agree).isGreaterThan(PLANE * 95 / 100);
        // the caller holds the second run's outputs
        for (int t = 0; t < N; t++) {
            assertThat(refined.result(t)).containsExactly(last.get(t).logits);
        }
    }
}
