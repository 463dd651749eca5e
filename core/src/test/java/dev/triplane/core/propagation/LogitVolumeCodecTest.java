package dev.triplane.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.events.Reason;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.propagation.LogitVolumeCodec.Encoding;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.VoxelBox;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogitVolumeCodecTest {

    private static final Grid GRID = Grid.ofSpacing(7, 5, 9, 0.8, 0.8, 2.5);
    private static final long BUDGET = 1 << 20;

    @TempDir
    Path dir;

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

    private static byte[] encode(AxisLogits v, Encoding encoding) {
        return LogitVolumeCodec.toBytes(v, encoding);
    }

    private static LogitVolume decode(byte[] bytes, Grid grid, long budget) throws IOException {
        return LogitVolumeCodec.read(new ByteArrayInputStream(bytes), "logits/x.bin", grid, budget);
    }

    private AxisLogits open(byte[] bytes, Grid grid) throws IOException {
        Path file = Files.createTempFile(dir, "stored", ".bin");
        Files.write(file, bytes);
        return LogitVolumeCodec.open(file, "logits/x.bin", grid, BUDGET);
    }

    @Test
    void float16RoundTripIsExactAfterTheClampAndKeepsAbsentFramesAbsent() throws IOException {
        LogitVolume v = sample();
        byte[] bytes = encode(v, Encoding.FLOAT16);
        LogitVolume back = decode(bytes, GRID, BUDGET);
        assertThat(back.axis()).isEqualTo(Axis.CORONAL);
        assertThat(back.ids()).containsExactly(4, 9);
        assertThat(back.first(0)).isEqualTo(1);
        assertThat(back.last(0)).isEqualTo(3);
        assertThat(back.toVolume(0)).containsExactly(v.toVolume(0));
        assertThat(back.toVolume(1)).containsOnly(LogitVolume.ABSENT);
        float[] frame = new float[v.frames().frameSize()];
        back.copyFrame(0, 0, frame);
        assertThat(frame).containsOnly(LogitVolume.ABSENT);
        // SAM2's -1024 inside the frame's rectangle above the floor is stored as the floor: fusion's clamp
        back.copyFrame(0, 2, frame);
        assertThat(frame[0]).isEqualTo(LogitVolume.FLOOR);
        try (AxisLogits stored = open(bytes, GRID)) {
            assertThat(stored).isInstanceOf(StoredLogits.class);
            assertThat(stored.toVolume(0)).containsExactly(v.toVolume(0));
            assertThat(stored.extent(0)).isEqualTo(v.extent(0));
            assertThat(stored.extent(1).isEmpty()).isTrue();
        }
    }

    @Test
    void storedFramesAreReadOneAtATimeOnAnyBox() throws IOException {
        LogitVolume v = sample();
        try (AxisLogits stored = open(encode(v, Encoding.FLOAT16), GRID)) {
            VoxelBox box = new VoxelBox(2, 1, 3, 5, 2, 7);
            short[] fromMemory = new short[(int) box.voxelCount()];
            short[] fromFile = new short[fromMemory.length];
            v.fill(0, box, fromMemory);
            stored.fill(0, box, fromFile);
            assertThat(fromFile).containsExactly(fromMemory);
            float[] whole = v.toVolume(0);
            for (int k = box.k0(), l = 0; k <= box.k1(); k++) {
                for (int j = box.j0(); j <= box.j1(); j++) {
                    for (int i = box.i0(); i <= box.i1(); i++, l++) {
                        assertThat(Float16.toFloat(fromFile[l])).isEqualTo(whole[GRID.index(i, j, k)]);
                    }
                }
            }
        }
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
        float[] original = v.toVolume(0);
        try (AxisLogits stored = open(int8, GRID)) {
            for (float[] decoded : new float[][] {decode(int8, GRID, BUDGET).toVolume(0), stored.toVolume(0)}) {
                for (int p = 0; p < original.length; p++) {
                    // step = 32/127 at most, plus float16 rounding of the decoded value
                    assertThat(clamp(decoded[p])).isCloseTo(clamp(original[p]), within(16f / 127 + 32f / 1024));
                }
            }
        }
        assertThat(int8.length).isLessThan(encode(v, Encoding.FLOAT16).length);
    }

    @Test
    void logitsThatFallBelowTheFloorOutsideTheObjectTakeLittleRoom() throws IOException {
        // a 128 x 128 x 64 axial volume; a ball of radius 10 voxels, logits falling 8 per voxel outside it
        Grid grid = Grid.ofSpacing(128, 128, 64, 1, 1, 1);
        LogitVolume v = new LogitVolume(grid, Axis.AXIAL, new int[] {1}, new int[] {20}, new int[] {43});
        float[] frame = new float[128 * 128];
        for (int t = 20; t <= 43; t++) {
            for (int y = 0; y < 128; y++) {
                for (int x = 0; x < 128; x++) {
                    double r = Math.sqrt((x - 64) * (x - 64) + (y - 64) * (y - 64) + (t - 32) * (t - 32));
                    frame[y * 128 + x] = (float) (8 * (10 - r));
                }
            }
            v.putFrame(0, t, frame);
        }
        byte[] bytes = encode(v, Encoding.FLOAT16);
        // whole frames would take 2 bytes a pixel of 24 frames: 786 kB
        assertThat(bytes.length).isLessThan(24 * 128 * 128 / 8);
        assertSameLogits(decode(bytes, grid, BUDGET).toVolume(0), v.toVolume(0));
    }

    @Test
    void aVersion1ObjectStillReads() throws IOException {
        LogitVolume v = sample();
        byte[] v1 = versionOne(v);
        assertThat(decode(v1, GRID, BUDGET).toVolume(0)).containsExactly(v.toVolume(0));
        try (AxisLogits opened = open(v1, GRID)) {
            assertThat(opened).isInstanceOf(LogitVolume.class);
            assertThat(opened.toVolume(0)).containsExactly(v.toVolume(0));
        }
        assertRefused(v1, GRID, 100, Reason.TOO_LARGE);
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
        assertOpenRefused(Arrays.copyOf(bytes, bytes.length - 20), Reason.TRUNCATED);
        assertOpenRefused(Arrays.copyOf(bytes, 100), Reason.TRUNCATED);
        assertOpenRefused(Arrays.copyOf(bytes, bytes.length + 3), Reason.BAD_HEADER);
        byte[] corrupt = bytes.clone();
        corrupt[bytes.length - 40] ^= 0x5A;
        corrupt[bytes.length - 39] ^= 0x33;
        assertThatThrownBy(() -> decode(corrupt, GRID, BUDGET)).isInstanceOf(InvalidVolumeException.class);
        try (AxisLogits stored = open(corrupt, GRID)) {
            // the index is intact: the damage shows when the frame is read
            assertThatThrownBy(() -> stored.toVolume(0)).isInstanceOfSatisfying(InvalidVolumeException.class,
                    e -> assertThat(e.object()).isEqualTo("logits/x.bin"));
        }
        byte[] wrongMagic = bytes.clone();
        wrongMagic[0] = 'X';
        assertRefused(wrongMagic, GRID, BUDGET, Reason.BAD_MAGIC);
    }

    @Test
    void hostileHeadersAreRefusedByName() throws IOException {
        assertRefused(header(1, 99, 0, 1, 0, 5), GRID, BUDGET, Reason.BAD_HEADER); // unknown axis
        assertRefused(header(3, 0, 0, 1, 0, 5), GRID, BUDGET, Reason.BAD_HEADER); // version 3
        assertRefused(header(1, 0, 0, Integer.MAX_VALUE, 0, 5), GRID, BUDGET, Reason.BAD_HEADER); // count
        assertRefused(header(1, 0, 0, 1, 3, 1), GRID, BUDGET, Reason.BAD_HEADER); // last < first - 1
        assertRefused(header(1, 0, 0, 1, 0, 9), GRID, BUDGET, Reason.BAD_HEADER); // beyond the 9 axial frames
        // version 2, one axial frame: a rectangle outside the 7 x 5 frame, then one with an absurd chunk length
        assertRefused(withEntry(header(2, 0, 0, 1, 0, 0), 5, 0, 3, 1, 10), GRID, BUDGET, Reason.BAD_HEADER);
        assertRefused(withEntry(header(2, 0, 0, 1, 0, 0), 0, 0, 1, 1, 1 << 30), GRID, BUDGET, Reason.BAD_HEADER);
        assertOpenRefused(withEntry(header(2, 0, 0, 1, 0, 0), 0, 0, 1, 1, 1 << 20), Reason.BAD_HEADER);
    }

    /** Equal voxel by voxel, naming the first that differs (a diff of a million floats takes minutes). */
    private static void assertSameLogits(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int v = 0; v < expected.length; v++) {
            if (Float.compare(actual[v], expected[v]) != 0) {
                assertThat(actual[v]).as("voxel %d", v).isEqualTo(expected[v]);
            }
        }
    }

    private static float clamp(float v) {
        return Math.max(-32f, Math.min(32f, v));
    }

    /** The version 1 layout: the header, then one deflate stream of whole float16 frames. */
    private static byte[] versionOne(LogitVolume v) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write("TPLOGITS".getBytes(StandardCharsets.US_ASCII));
        out.writeInt(1);
        for (int n : v.grid().shape()) {
            out.writeInt(n);
        }
        out.writeByte(v.axis().ordinal());
        out.writeByte(Encoding.FLOAT16.ordinal());
        out.writeInt(v.structureCount());
        for (int i = 0; i < v.structureCount(); i++) {
            out.writeInt(v.id(i));
            out.writeInt(v.first(i));
            out.writeInt(v.last(i));
        }
        DataOutputStream payload = new DataOutputStream(new DeflaterOutputStream(bytes));
        float[] frame = new float[v.frames().frameSize()];
        for (int i = 0; i < v.structureCount(); i++) {
            for (int t = v.first(i); t <= v.last(i); t++) {
                v.copyFrame(i, t, frame);
                for (float f : frame) {
                    payload.writeShort(Float16.fromFloat(f));
                }
            }
        }
        payload.close();
        return bytes.toByteArray();
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

    private static byte[] withEntry(byte[] header, int x0, int y0, int w, int h, int length) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(header);
        for (int value : new int[] {x0, y0, w, h, length}) {
            out.writeInt(value);
        }
        return bytes.toByteArray();
    }

    private static void assertRefused(byte[] bytes, Grid grid, long budget, Reason reason) {
        assertThatThrownBy(() -> decode(bytes, grid, budget)).isInstanceOfSatisfying(InvalidVolumeException.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.object()).isEqualTo("logits/x.bin");
                });
    }

    private void assertOpenRefused(byte[] bytes, Reason reason) {
        assertThatThrownBy(() -> open(bytes, GRID).close()).isInstanceOfSatisfying(InvalidVolumeException.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.object()).isEqualTo("logits/x.bin");
                });
    }
}
