package dev.triplane.core.propagation;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.volume.Grid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * {@link AxisLogits} written frame by frame as the engine produces them: each frame is reduced to its rectangle
 * above {@link #FLOOR} (values there clamped up to the floor, NaN to the floor) and kept on the heap, or, for a
 * volume made by {@link #spilled}, in a temporary file, so the heap holds no structure's logits at all.
 */
public final class LogitVolume extends AxisLogits {

    private final Values values;
    private short[] merged;

    /** A volume on the heap with every voxel {@link #ABSENT}. */
    public LogitVolume(Grid grid, Axis axis, int[] ids, int[] firsts, int[] lasts) {
        super(grid, axis, ids, firsts, lasts);
        this.values = new HeapValues(slotCount());
    }

    private LogitVolume(Grid grid, Axis axis, int[] ids, int[] firsts, int[] lasts, Path spillDir)
            throws IOException {
        super(grid, axis, ids, firsts, lasts);
        this.values = new SpilledValues(slotCount(), frames().frameSize(), spillDir);
    }

    /**
     * A volume whose values go to a temporary file in {@code spillDir}, deleted by {@link #close()}: the heap
     * keeps four ints and a file position per frame of each structure.
     */
    public static LogitVolume spilled(Grid grid, Axis axis, int[] ids, int[] firsts, int[] lasts, Path spillDir)
            throws IOException {
        return new LogitVolume(grid, axis, ids, firsts, lasts, spillDir);
    }

    /** Sets a frame of a structure inside its frames; {@code logits} is [frame height * frame width]. */
    public void putFrame(int structure, int frame, float[] logits) {
        int slot = slot(structure, frame);
        int[] r = rectAboveFloor(logits);
        short[] out = scratch();
        int fw = frames().frameWidth();
        int k = 0;
        for (int y = r[1]; y < r[1] + r[3]; y++) {
            for (int x = r[0]; x < r[0] + r[2]; x++) {
                out[k++] = Float16.fromFloat(atLeastFloor(logits[y * fw + x]));
            }
        }
        store(slot, r, out);
    }

    /** Keeps, per pixel of a frame of a structure inside its frames, the larger of what it holds and {@code logits}. */
    public void maxFrame(int structure, int frame, float[] logits) {
        int slot = slot(structure, frame);
        int[] old = rect(slot);
        int[] now = rectAboveFloor(logits);
        if (old[2] == 0) {
            putFrame(structure, frame, logits);
            return;
        }
        short[] held = scratch();
        readRect(slot, held);
        int x0 = now[2] == 0 ? old[0] : Math.min(old[0], now[0]);
        int y0 = now[2] == 0 ? old[1] : Math.min(old[1], now[1]);
        int x1 = now[2] == 0 ? old[0] + old[2] : Math.max(old[0] + old[2], now[0] + now[2]);
        int y1 = now[2] == 0 ? old[1] + old[3] : Math.max(old[1] + old[3], now[1] + now[3]);
        if (merged == null) {
            merged = new short[frames().frameSize()];
        }
        int fw = frames().frameWidth();
        int k = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                boolean inOld = x >= old[0] && x < old[0] + old[2] && y >= old[1] && y < old[1] + old[3];
                float before = inOld ? Float16.toFloat(held[(y - old[1]) * old[2] + x - old[0]]) : FLOOR;
                // float16 rounding is monotonic, so the max of the rounded values is the rounded max
                merged[k++] = Float16.fromFloat(Math.max(before, atLeastFloor(logits[y * fw + x])));
            }
        }
        store(slot, new int[] {x0, y0, x1 - x0, y1 - y0}, merged);
    }

    /** Deletes the spill file, if any. */
    @Override
    public void close() {
        values.close();
    }

    /** Sets a slot as stored: its rectangle and its float16 values (the codec's reader). */
    void putRect(int slot, int[] rect, short[] rectValues) {
        store(slot, rect, rectValues);
    }

    @Override
    void readRect(int slot, short[] dst) {
        int[] r = rect(slot);
        values.read(slot, dst, r[2] * r[3]);
    }

    private void store(int slot, int[] rect, short[] rectValues) {
        setRect(slot, rect[0], rect[1], rect[2], rect[3]);
        values.write(slot, rectValues, rect[2] * rect[3]);
    }

    /** {x0, y0, width, height} of the pixels above the floor; all 0 when there are none. */
    private int[] rectAboveFloor(float[] logits) {
        int fw = frames().frameWidth();
        int fh = frames().frameHeight();
        int x0 = fw;
        int y0 = fh;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < fh; y++) {
            int row = y * fw;
            for (int x = 0; x < fw; x++) {
                if (logits[row + x] > FLOOR) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = y;
                }
            }
        }
        return x1 < 0 ? new int[4] : new int[] {x0, y0, x1 - x0 + 1, y1 - y0 + 1};
    }

    /** The floor for values at or below it and for NaN. */
    private static float atLeastFloor(float v) {
        return v > FLOOR ? v : FLOOR;
    }

    /** Where the rectangles' values are kept. */
    private interface Values {
        void write(int slot, short[] values, int count);

        void read(int slot, short[] dst, int count);

        void close();
    }

    private static final class HeapValues implements Values {
        private final short[][] slots;

        HeapValues(int slotCount) {
            slots = new short[slotCount][];
        }

        @Override
        public void write(int slot, short[] values, int count) {
            slots[slot] = count == 0 ? null : Arrays.copyOf(values, count);
        }

        @Override
        public void read(int slot, short[] dst, int count) {
            if (count > 0) {
                System.arraycopy(slots[slot], 0, dst, 0, count);
            }
        }

        @Override
        public void close() {
        }
    }

    /**
     * Values in a temporary file: a frame rewritten by a later pass reuses its place when it fits (the usual
     * case: passes see the same object), otherwise goes to the end of the file.
     */
    private static final class SpilledValues implements Values {
        private final FileChannel file;
        private final long[] offsets;
        private final int[] capacities;
        private final ByteBuffer buffer;
        private long end;

        SpilledValues(int slotCount, int frameSize, Path dir) throws IOException {
            Files.createDirectories(dir);
            Path path = Files.createTempFile(dir, "logits-", ".spill");
            file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.DELETE_ON_CLOSE);
            offsets = new long[slotCount];
            capacities = new int[slotCount];
            buffer = ByteBuffer.allocate(2 * frameSize);
        }

        @Override
        public void write(int slot, short[] values, int count) {
            int bytes = 2 * count;
            if (bytes > capacities[slot]) {
                offsets[slot] = end;
                capacities[slot] = bytes;
                end += bytes;
            }
            buffer.clear();
            buffer.asShortBuffer().put(values, 0, count);
            buffer.limit(bytes);
            try {
                long at = offsets[slot];
                while (buffer.hasRemaining()) {
                    at += file.write(buffer, at);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("spilling logits: " + e.getMessage(), e);
            }
        }

        @Override
        public void read(int slot, short[] dst, int count) {
            buffer.clear();
            buffer.limit(2 * count);
            try {
                long at = offsets[slot];
                while (buffer.hasRemaining()) {
                    int n = file.read(buffer, at);
                    if (n < 0) {
                        throw new IOException("spill file ends early");
                    }
                    at += n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading spilled logits: " + e.getMessage(), e);
            }
            buffer.flip();
            buffer.asShortBuffer().get(dst, 0, count);
        }

        @Override
        public void close() {
            try {
                file.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
