package dev.triplane.core.sam2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.propagation.Direction;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.propagation.MemorySelection;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * docs/method.md §2 items 1-2 as the engine runs them: {@link MemorySelection} over a {@link MemoryBank}'s frames,
 * then {@link MemoryTokens}' temporal slots and encodings, pointers, their positions and split.
 */
class MemoryTokensTest {

    private static final MemoryPolicy BASELINE = MemoryPolicy.parse("baseline");

    static final Sam2Config CONFIG = microConfig();
    private static final int NUM_MASKMEM = CONFIG.numMaskmem();

    static Sam2Config microConfig() {
        try {
            return Sam2Config.fromManifest(JsonMapper.builder().build()
                    .readTree(Files.readString(Sam2ParityTest.MODEL.resolve("manifest.json"))));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Constants with recognisable values: tpos row r is all r; pointer projection = identity-ish. */
    static Sam2Constants constants() {
        int c = CONFIG.hiddenDim();
        int cm = CONFIG.memDim();
        float[] tpos = new float[NUM_MASKMEM * cm];
        for (int r = 0; r < NUM_MASKMEM; r++) {
            Arrays.fill(tpos, r * cm, (r + 1) * cm, 100f * r);
        }
        float[] w = new float[cm * c];
        for (int k = 0; k < cm; k++) {
            w[k * c + k] = 1f;
        }
        float[] bias = new float[cm];
        float[] noObjPtr = new float[c];
        Arrays.fill(noObjPtr, -7f);
        return new Sam2Constants(tpos, new float[c], noObjPtr, w, bias, null, null);
    }

    /** Bank with conditioning frames {@code cond} and non-conditioning frames {@code nonCond}; values = frame. */
    static MemoryBank bank(int[] cond, int[] nonCond) {
        MemoryBank bank = new MemoryBank();
        int tokens = CONFIG.featTokens() * CONFIG.memDim();
        for (int u : nonCond) {
            bank.putNonCond(u, filled(CONFIG.hiddenDim(), u), filled(tokens, u));
        }
        // a conditioning frame replaces a tracked entry of the same frame, as in the engine
        for (int u : cond) {
            bank.putCond(u, new FrameOutput(new float[0], filled(CONFIG.hiddenDim(), u), 1f, 1), filled(tokens, u));
        }
        return bank;
    }

    /** The selection the propagator makes from {@code bank}. */
    static MemorySelection select(int frame, boolean reverse, int numFrames, MemoryBank bank, MemoryPolicy policy) {
        int[] cond = bank.condFrameOutputs().keySet().stream().mapToInt(Integer::intValue).toArray();
        return MemorySelection.select(frame, reverse ? Direction.REVERSE : Direction.FORWARD, numFrames, cond,
                bank.nonCondFrames(), policy);
    }

    private static int[] memFrames(MemorySelection sel) {
        return sel.maskMemories().stream().mapToInt(MemorySelection.MaskMemory::frame).toArray();
    }

    private static int[] memTPos(MemorySelection sel) {
        return sel.maskMemories().stream().mapToInt(MemorySelection.MaskMemory::tPos).toArray();
    }

    private static int[] ptrFrames(MemorySelection sel) {
        return sel.objPtrs().stream().mapToInt(MemorySelection.ObjPtr::frame).toArray();
    }

    private static int[] ptrPositions(MemorySelection sel) {
        return sel.objPtrs().stream().mapToInt(MemorySelection.ObjPtr::pos).toArray();
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    private static int[] range(int from, int to) {
        return java.util.stream.IntStream.rangeClosed(from, to).toArray();
    }

    @Test
    void conditioningFramesTakeSlotZeroAndRecentFramesCountDownFromTheAdjacentOne() {
        MemoryBank bank = bank(new int[] {2, 20}, range(0, 19));
        MemorySelection forward = select(10, false, 30, bank, BASELINE);
        assertThat(memFrames(forward)).containsExactly(2, 20, 4, 5, 6, 7, 8, 9);
        assertThat(memTPos(forward)).containsExactly(0, 0, 1, 2, 3, 4, 5, 6);
        MemorySelection reverse = select(10, true, 30, bank, BASELINE);
        assertThat(memFrames(reverse)).containsExactly(2, 20, 16, 15, 14, 13, 12, 11);
        assertThat(memTPos(reverse)).containsExactly(0, 0, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void temporalEncodingRowIsNumMaskmemMinusSlotMinusOne() {
        MemoryBank bank = bank(new int[] {2}, new int[] {9});
        MemorySelection sel = select(10, false, 30, bank, BASELINE);
        assertThat(memTPos(sel)).containsExactly(0, NUM_MASKMEM - 1);
        int hwcm = CONFIG.featTokens() * CONFIG.memDim();
        float[] posTokens = filled(hwcm, 0.5f);
        MemoryTokens tokens = MemoryTokens.assemble(sel, bank, CONFIG, constants(), posTokens);
        // conditioning frame: row numMaskmem - 1; adjacent frame (t_pos numMaskmem - 1): row 0
        assertThat(tokens.memoryPos()[0]).isEqualTo(0.5f + 100f * (NUM_MASKMEM - 1));
        assertThat(tokens.memoryPos()[hwcm]).isEqualTo(0.5f);
        assertThat(tokens.memory()[0]).isEqualTo(2f);
        assertThat(tokens.memory()[hwcm]).isEqualTo(9f);
    }

    @Test
    void pointersComeFromPastConditioningFramesThenUpToFifteenPreviousFrames() {
        MemoryBank bank = bank(new int[] {2, 20}, range(0, 29));
        MemorySelection forward = select(22, false, 40, bank, BASELINE);
        assertThat(ptrFrames(forward)).startsWith(2, 20, 21).endsWith(7).hasSize(2 + 14);
        assertThat(ptrPositions(forward)).startsWith(20, 2, 1).endsWith(15);
        assertThat(forward.objPtrTDiffMax()).isEqualTo(15);
        MemorySelection reverse = select(10, true, 40, bank, BASELINE);
        assertThat(ptrFrames(reverse)).startsWith(20, 11, 12).endsWith(25).doesNotContain(2);
        assertThat(ptrPositions(reverse)).startsWith(10, 1, 2);
        // a short video caps the window: min(numFrames, 16) - 1
        MemorySelection shortVideo = select(5, false, 6, bank(new int[] {0}, range(1, 4)), BASELINE);
        assertThat(ptrFrames(shortVideo)).containsExactly(0, 4, 3, 2, 1);
        assertThat(shortVideo.objPtrTDiffMax()).isEqualTo(5);
    }

    @Test
    void eachPointerSplitsIntoTokensThatShareItsProjectedSinePosition() {
        MemoryBank bank = bank(new int[] {2}, new int[] {9});
        MemorySelection sel = select(10, false, 30, bank, BASELINE);
        assertThat(ptrPositions(sel)).containsExactly(8, 1);
        int cm = CONFIG.memDim();
        int split = CONFIG.hiddenDim() / cm;
        int hwcm = CONFIG.featTokens() * cm;
        MemoryTokens tokens = MemoryTokens.assemble(sel, bank, CONFIG, constants(), new float[hwcm]);
        assertThat(tokens.numObjPtrTokens()).isEqualTo(2 * split);
        assertThat(tokens.memory()).hasSize(2 * hwcm + 2 * split * cm);
        int first = 2 * hwcm;
        float[] sine = new float[CONFIG.hiddenDim()];
        MemoryTokens.sinePositionEncoding(8f / 15, sine);
        for (int s = 0; s < split; s++) {
            for (int k = 0; k < cm; k++) {
                // identity projection of the first Cm sine components, the same for every token of the pointer
                assertThat(tokens.memoryPos()[first + s * cm + k]).isCloseTo(sine[k], within(1e-6f));
                assertThat(tokens.memory()[first + s * cm + k]).isEqualTo(2f);
            }
        }
        assertThat(sine[0]).isCloseTo((float) Math.sin(8.0 / 15), within(1e-6f));
        assertThat(sine[CONFIG.hiddenDim() / 2]).isCloseTo((float) Math.cos(8.0 / 15), within(1e-6f));
    }

    @Test
    void fewerRecentFramesAndUnselectedConditioningFramesFollowTheOfficialFallback() {
        MemoryBank bank = bank(new int[] {5, 11}, range(3, 9));
        // tau = 0 keeps only the nearest conditioning frame, 11; frame 5 is unselected
        MemorySelection sel = select(10, false, 30, bank, MemoryPolicy.parse("sps,tau=0"));
        // frame 5 enters as a recent frame at its slot and as a pointer at its distance; 11 is in the future
        assertThat(memFrames(sel)).containsExactly(11, 4, 5, 6, 7, 8, 9);
        assertThat(memTPos(sel)).containsExactly(0, 1, 2, 3, 4, 5, 6);
        assertThat(ptrFrames(sel)).containsExactly(9, 8, 7, 6, 5, 4, 3);
        assertThat(ptrPositions(sel)).containsExactly(1, 2, 3, 4, 5, 6, 7);
        MemorySelection window = select(10, false, 30, bank, MemoryPolicy.parse("is+sps,tau=0"));
        assertThat(memFrames(window)).containsExactly(11, 8, 9);
        assertThat(memTPos(window)).containsExactly(0, NUM_MASKMEM - 2, NUM_MASKMEM - 1);
        MemorySelection all = select(10, false, 30, bank, BASELINE);
        assertThat(memFrames(all)).containsExactly(5, 11, 4, 6, 7, 8, 9);
        assertThat(ptrFrames(all)).containsExactly(5, 9, 8, 7, 6, 4, 3);
    }

    @Test
    void bankRetainsOnlyWhatThisAndTheNextPassCanRead() {
        MemoryBank bank = new MemoryBank();
        int window = 6;
        int ptrWindow = 15;
        int last = 40;
        for (int t = 0; t < 100; t++) {
            bank.putNonCond(t, new float[1], new float[1]);
            bank.retain(t, 1, window, ptrWindow, last);
            assertThat(bank.heldFeatures()).isLessThanOrEqualTo(2 * window);
            assertThat(bank.heldPointers()).isLessThanOrEqualTo(2 * ptrWindow);
        }
        // what the reverse pass from frame 40 reads first, and what the forward pass would read next
        assertThat(bank.maskmem(41)).isNotNull();
        assertThat(bank.maskmem(46)).isNotNull();
        assertThat(bank.maskmem(47)).isNull();
        assertThat(bank.objPtr(55)).isNotNull();
        assertThat(bank.objPtr(56)).isNull();
        assertThat(bank.maskmem(94)).isNotNull();
        assertThat(bank.maskmem(93)).isNull();
        assertThat(bank.objPtr(85)).isNotNull();
        assertThat(bank.objPtr(84)).isNull();
    }
}
