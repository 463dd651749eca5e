package dev.triplane.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.propagation.LogitVolumeCodec.Encoding;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.InvalidVolumeException.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LogitVolumeCodecTest {

    private static final Grid GRID = Grid.ofSpacing(7, 5, 9, 0.8, 0.8, 2.5);
    private static final long BUDGET = 1 << 20;

    /** Structure 4 on coronal frames 1..3 (frames are y slices: 7 x 9 pixels), structure 9 on none. */
    private static LogitVolume sample() {
        LogitVolume v = new LogitVolume(GRID, Axis.CORONAL, new int[] {4, 9}, new int[] {1, 0}, new int[] {3, -1});
        Random random = new Random(3);
        float[] frame = new float[v.frames().frameSize()];
        for (int t = 1; t <= 3; t++) {
            for (int p = 0; p < frame.length; p++) {
                frame[p] = (float) (random.nextGaussian() * 12);
            }
            frame[0] = -1024f;
            v.putFrame(0, t, frame);
        }
        return v;
    }

    private static byte[] encode(LogitVolume v, Encoding encoding) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogitVolumeCodec.write(v, encoding, out);
        return out.toByteArray();
    }

    private static LogitVolume decode(byte[] bytes, Grid grid, long budget) throws IOException {
        return LogitVolumeCodec.read(new ByteArrayInputStream(bytes), "logits/x.bin", grid, budget);
    }

    @Test
    void float16RoundTripIsExactAndKeepsAbsentFramesAbsent() throws IOException {
        LogitVolume v = sample();
        LogitVolume back = decode(encode(v, Encoding.FLOAT16), GRID, BUDGET);
        assertThat(back.axis()).isEqualTo(Axis.CORONAL);
        assertThat(back.ids()).containsExactly(4, 9);
        assertThat(back.first(0)).isEqualTo(1);
        assertThat(back.last(0)).isEqualTo(3);
        assertThat(back.toVolume(0)).containsExactly(v.toVolume(0));
        assertThat(back.toVolume(1)).containsOnly(LogitVolume.ABSENT);
        float[] frame = new float[v.frames().frameSize()];
        back.copyFrame(0, 0, frame);
        assertThat(frame).containsOnly(LogitVolume.ABSENT);
        back.copyFrame(0, 2, frame);
        assertThat(frame[0]).isEqualTo(-1024f);
    }

    @Test
    void float16KeepsThreeSignificantDigits() {
        LogitVolume v = new LogitVolume(GRID, Axis.AXIAL, new int[] {1}, new int[] {0}, new int[] {0});
        float[] frame = new float[v.frames().frameSize()];
        for (int p = 0; p < frame.length; p++) {
            frame[p] = -20f + p * 0.37f;
        }
        v.putFrame(0, 0, frame);
        float[] back = new float[frame.length];
        v.copyFrame(0, 0, back);
        for (int p = 0; p < frame.length; p++) {
            assertThat(back[p]).isCloseTo(frame[p], within(Math.abs(frame[p]) / 1024 + 1e-4f));
        }
    }

    @Test
    void int8IsWithinHalfAStepOfTheClampedValue() throws IOException {
        LogitVolume v = sample();
        byte[] int8 = encode(v, Encoding.INT8);
        LogitVolume back = decode(int8, GRID, BUDGET);
        float[] original = v.toVolume(0);
        float[] decoded = back.toVolume(0);
        for (int p = 0; p < original.length; p++) {
            // step = 32/127 at most, plus float16 rounding of the decoded value
            assertThat(clamp(decoded[p])).isCloseTo(clamp(original[p]), within(16f / 127 + 32f / 1024));
        }
        assertThat(int8.length).isLessThan(encode(v, Encoding.FLOAT16).length);
    }

    @Test
    void aFileOfAnotherGridIsRefused() throws IOException {
        byte[] bytes = encode(sample(), Encoding.FLOAT16);
        assertRefused(bytes, Grid.ofSpacing(7, 9, 5, 1, 1, 1), BUDGET, Reason.GRID_MISMATCH);
    }

    @Test
    void aBudgetSmallerThanTheDeclaredLogitsIsRefusedBeforeAllocating() throws IOException {
        assertRefused(encode(sample(), Encoding.FLOAT16), GRID, 100, Reason.TOO_LARGE);
    }

    @Test
    void truncatedAndCorruptFilesAreRefused() throws IOException {
        byte[] bytes = encode(sample(), Encoding.FLOAT16);
        assertRefused(Arrays.copyOf(bytes, bytes.length - 20), GRID, BUDGET, Reason.TRUNCATED);
        assertRefused(Arrays.copyOf(bytes, 30), GRID, BUDGET, Reason.TRUNCATED);
        byte[] corrupt = bytes.clone();
        corrupt[70] ^= 0x5A;
        corrupt[71] ^= 0x33;
        assertThatThrownBy(() -> decode(corrupt, GRID, BUDGET)).isInstanceOf(InvalidVolumeException.class);
        byte[] wrongMagic = bytes.clone();
        wrongMagic[0] = 'X';
        assertRefused(wrongMagic, GRID, BUDGET, Reason.BAD_MAGIC);
    }

    @Test
    void hostileHeadersAreRefusedByName() throws IOException {
        assertRefused(header(1, 99, 0, 1, 0, 5), GRID, BUDGET, Reason.BAD_HEADER); // unknown axis
        assertRefused(header(2, 0, 0, 1, 0, 5), GRID, BUDGET, Reason.BAD_HEADER); // version 2
        assertRefused(header(1, 0, 0, Integer.MAX_VALUE, 0, 5), GRID, BUDGET, Reason.BAD_HEADER); // count
        assertRefused(header(1, 0, 0, 1, 3, 1), GRID, BUDGET, Reason.BAD_HEADER); // last < first - 1
        assertRefused(header(1, 0, 0, 1, 0, 9), GRID, BUDGET, Reason.BAD_HEADER); // beyond the 9 axial frames
    }

    private static float clamp(float v) {
        return Math.max(-32f, Math.min(32f, v));
    }

    private static byte[] header(int version, int axis, int encoding, int count, int first, int last)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write("TPLOGITS".getBytes(StandardCharsets.US_ASCII));
        out.writeInt(version);
        out.writeInt(7);
        out.writeInt(5);
        out.writeInt(9);
        out.writeByte(axis);
        out.writeByte(encoding);
        out.writeInt(count);
        out.writeInt(1);
        out.writeInt(first);
        out.writeInt(last);
        return bytes.toByteArray();
    }

    private static void assertRefused(byte[] bytes, Grid grid, long budget, Reason reason) {
        assertThatThrownBy(() -> decode(bytes, grid, budget)).isInstanceOfSatisfying(InvalidVolumeException.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.object()).isEqualTo("logits/x.bin");
                });
    }
}
