package dev.triplane.core.propagation;

import dev.triplane.core.NamedOption;
import dev.triplane.core.events.Reason;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * The stored form of {@link AxisLogits} ({@code logits/{volumeId}/{requestId}/{axis}.bin}).
 *
 * <p>Layout, big-endian: the magic {@code TPLOGITS}, format version (int), the RAS+ shape nx, ny, nz (ints), the
 * axis (byte, {@link Axis} ordinal), the encoding (byte, {@link Encoding} ordinal), the structure count (int),
 * then per structure its id, first and last frame (ints).
 *
 * <p>Version 2 (written): an index follows with, per structure and per frame of its range, the frame's rectangle
 * above the floor (x0, y0, width, height; width 0 for none) and the byte length of its chunk (ints); then the
 * chunks, each deflated on its own, so any frame can be read without the others: {@code float16} the rectangle's
 * float16 values (shorts, row-major); {@code int8} a scale (float) then one byte per value,
 * {@code value = byte * scale}, after clamping to [-{@value #INT8_CLAMP}, {@value #INT8_CLAMP}]. Voxels outside
 * the rectangles are {@link AxisLogits#ABSENT}; after fusion's clamp every voxel reads back exactly as written
 * (float16).
 *
 * <p>Version 1 (read only): one deflate stream of whole frames, per structure and frame of its range.
 *
 * <p>Reading checks every header field against the grid the caller expects, and sizes against a byte budget or
 * the file's length before allocating, so a hostile or truncated object is refused with its name, never an
 * out-of-memory error.
 */
public final class LogitVolumeCodec {

    /** How logits are stored. */
    public enum Encoding implements NamedOption {
        /** 2 bytes a value, as held in memory: decoding gives exactly what was encoded. */
        FLOAT16("float16"),
        /** 1 byte a value plus a scale per frame: steps of at most 32/127 logits. */
        INT8("int8");

        private final String id;

        Encoding(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        public static Encoding parse(String name) {
            return NamedOption.parse(Encoding.class, name, "logit encoding");
        }
    }

    /** The version written. */
    public static final int FORMAT_VERSION = 2;
    /** int8 values are clamped to this magnitude before quantizing. */
    public static final float INT8_CLAMP = 32f;
    /** Most structures a stored volume may declare. */
    public static final int MAX_STRUCTURES = 4096;

    private static final int WHOLE_FRAMES_VERSION = 1;
    private static final byte[] MAGIC = "TPLOGITS".getBytes(StandardCharsets.US_ASCII);
    private static final int INDEX_ENTRY_BYTES = 20;

    private LogitVolumeCodec() {
    }

    /** Writes {@code volume} as version 2 to {@code file} (created or replaced). */
    public static void write(AxisLogits volume, Encoding encoding, Path file) throws IOException {
        int slots = volume.slotCount();
        ByteBuffer header = ByteBuffer.allocate(headerBytes(volume.structureCount()));
        header.put(MAGIC).putInt(FORMAT_VERSION);
        Grid grid = volume.grid();
        header.putInt(grid.nx()).putInt(grid.ny()).putInt(grid.nz());
        header.put((byte) volume.axis().ordinal()).put((byte) encoding.ordinal());
        header.putInt(volume.structureCount());
        for (int i = 0; i < volume.structureCount(); i++) {
            header.putInt(volume.id(i)).putInt(volume.first(i)).putInt(volume.last(i));
        }
        ByteBuffer index = ByteBuffer.allocate(INDEX_ENTRY_BYTES * slots);
        int frameSize = volume.frames().frameSize();
        short[] values = new short[frameSize];
        ByteBuffer raw = ByteBuffer.allocate(2 * frameSize + 4);
        byte[] packed = new byte[1 << 16];
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long at = header.capacity() + (long) index.capacity();
            for (int slot = 0; slot < slots; slot++) {
                int[] rect = volume.rect(slot);
                int count = rect[2] * rect[3];
                int length = 0;
                if (count > 0) {
                    volume.readRect(slot, values);
                    raw.clear();
                    if (encoding == Encoding.FLOAT16) {
                        raw.asShortBuffer().put(values, 0, count);
                        raw.position(2 * count);
                    } else {
                        putInt8(values, count, raw);
                    }
                    deflater.reset();
                    deflater.setInput(raw.array(), 0, raw.position());
                    deflater.finish();
                    while (!deflater.finished()) {
                        int n = deflater.deflate(packed);
                        writeFully(out, ByteBuffer.wrap(packed, 0, n), at + length);
                        length += n;
                    }
                }
                index.putInt(rect[0]).putInt(rect[1]).putInt(rect[2]).putInt(rect[3]).putInt(length);
                at += length;
            }
            writeFully(out, header.flip(), 0);
            writeFully(out, index.flip(), header.capacity());
        } finally {
            deflater.end();
        }
    }

    /** {@link #write} into memory, through a temporary file: for small volumes (warm-ups, tests). */
    public static byte[] toBytes(AxisLogits volume, Encoding encoding) {
        try {
            Path file = Files.createTempFile("triplane-logits-", ".bin");
            try {
                write(volume, encoding, file);
                return Files.readAllBytes(file);
            } finally {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a stored volume of either version onto the heap.
     *
     * @param object      the object key, for errors
     * @param rasGrid     the RAS+ grid of the volume the logits belong to; the stored shape must match it
     * @param maxBytes    most bytes the decoded float16 values may take
     * @throws InvalidVolumeException naming {@code object}: {@code BAD_MAGIC}, {@code BAD_HEADER},
     *     {@code GRID_MISMATCH}, {@code TOO_LARGE} or {@code TRUNCATED}
     */
    public static LogitVolume read(InputStream in, String object, Grid rasGrid, long maxBytes) throws IOException {
        DataInputStream data = new DataInputStream(new BufferedInputStream(in, 1 << 16));
        try {
            Header header = readHeader(data, object, rasGrid);
            LogitVolume volume = header.heapVolume(rasGrid, object);
            if (header.version == WHOLE_FRAMES_VERSION) {
                readWholeFrames(data, object, header, volume, maxBytes);
                return volume;
            }
            int[] lengths = readIndex(data, object, volume);
            long bytes = 0;
            for (int slot = 0; slot < lengths.length; slot++) {
                int[] rect = volume.rect(slot);
                bytes += 2L * rect[2] * rect[3];
            }
            if (bytes > maxBytes) {
                throw new InvalidVolumeException(object, Reason.TOO_LARGE, bytes + " bytes of logits, at most "
                        + maxBytes);
            }
            ChunkDecoder decoder = new ChunkDecoder(object, header.encoding, volume.frames().frameSize());
            short[] values = volume.scratch();
            try {
                for (int slot = 0; slot < lengths.length; slot++) {
                    int[] rect = volume.rect(slot);
                    if (lengths[slot] > 0) {
                        byte[] packed = decoder.packed(lengths[slot]);
                        data.readFully(packed, 0, lengths[slot]);
                        decoder.decode(lengths[slot], rect[2] * rect[3], values);
                        volume.putRect(slot, rect, values);
                    }
                }
            } finally {
                decoder.end();
            }
            if (data.read() != -1) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "data after the declared logits");
            }
            return volume;
        } catch (EOFException e) {
            throw new InvalidVolumeException(object, Reason.TRUNCATED, "ends before its declared logits", e);
        }
    }

    /**
     * Opens a stored volume held in a local file: a version 2 file is read frame by frame as they are asked for
     * (its heap cost is the index), a version 1 file whole onto the heap within {@code maxWholeBytes}. Close the
     * result to release the file.
     *
     * @throws InvalidVolumeException as {@link #read}, plus {@code TRUNCATED} or {@code BAD_HEADER} when the
     *     file's length is not what its index declares
     */
    public static AxisLogits open(Path file, String object, Grid rasGrid, long maxWholeBytes) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            // not closed: closing it would close the channel, which the stored volume goes on reading
            DataInputStream data = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel),
                    1 << 16));
            Header header = readHeader(data, object, rasGrid);
            if (header.version == WHOLE_FRAMES_VERSION) {
                channel.close();
                try (InputStream in = Files.newInputStream(file)) {
                    return read(in, object, rasGrid, maxWholeBytes);
                }
            }
            long indexBytes = (long) INDEX_ENTRY_BYTES * header.slotCount();
            long dataStart = headerBytes(header.ids.length) + indexBytes;
            if (dataStart > channel.size()) {
                throw new InvalidVolumeException(object, Reason.TRUNCATED, "ends inside its index");
            }
            StoredLogits stored;
            try {
                stored = new StoredLogits(rasGrid, header.axis, header.ids, header.firsts, header.lasts, channel,
                        new ChunkDecoder(object, header.encoding, new AxisFrames(rasGrid, header.axis).frameSize()));
            } catch (IllegalArgumentException e) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, e.getMessage());
            }
            int[] lengths = readIndex(data, object, stored);
            long end = stored.locate(lengths, dataStart);
            if (end != channel.size()) {
                throw new InvalidVolumeException(object, end > channel.size() ? Reason.TRUNCATED : Reason.BAD_HEADER,
                        "its index declares " + end + " bytes, the file has " + channel.size());
            }
            return stored;
        } catch (EOFException e) {
            channel.close();
            throw new InvalidVolumeException(object, Reason.TRUNCATED, "ends inside its header", e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * The fixed part of a stored volume: what precedes the index (version 2) or the payload (version 1).
     *
     * @param ids    structure ids in their stored order
     * @param firsts first frame of each structure
     * @param lasts  last frame of each structure
     */
    public record Header(int version, Axis axis, Encoding encoding, int[] ids, int[] firsts, int[] lasts) {

        int slotCount() {
            int n = 0;
            for (int i = 0; i < ids.length; i++) {
                n += lasts[i] - firsts[i] + 1;
            }
            return n;
        }

        LogitVolume heapVolume(Grid rasGrid, String object) {
            try {
                return new LogitVolume(rasGrid, axis, ids, firsts, lasts);
            } catch (IllegalArgumentException e) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, e.getMessage());
            }
        }
    }

    /**
     * Reads only the header of a stored volume (a check that an object holds what a job expects, without reading
     * its logits); closes nothing.
     *
     * @throws InvalidVolumeException as {@link #read} for the header's fields
     */
    public static Header readHeader(InputStream in, String object, Grid rasGrid) throws IOException {
        try {
            return readHeader(new DataInputStream(in), object, rasGrid);
        } catch (EOFException e) {
            throw new InvalidVolumeException(object, Reason.TRUNCATED, "ends inside its header", e);
        }
    }

    private static int headerBytes(int structures) {
        return MAGIC.length + 4 + 12 + 2 + 4 + 12 * structures;
    }

    private static Header readHeader(DataInputStream in, String object, Grid rasGrid) throws IOException {
        byte[] magic = new byte[MAGIC.length];
        in.readFully(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new InvalidVolumeException(object, Reason.BAD_MAGIC, "not a TriPlane logit volume");
        }
        int version = in.readInt();
        if (version != FORMAT_VERSION && version != WHOLE_FRAMES_VERSION) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER, "format version " + version
                    + ", this reader knows " + WHOLE_FRAMES_VERSION + " and " + FORMAT_VERSION);
        }
        int[] shape = {in.readInt(), in.readInt(), in.readInt()};
        if (!Arrays.equals(shape, rasGrid.shape())) {
            throw new InvalidVolumeException(object, Reason.GRID_MISMATCH, "shape " + Arrays.toString(shape)
                    + " is not the volume's " + Arrays.toString(rasGrid.shape()));
        }
        int axisOrdinal = in.readUnsignedByte();
        int encodingOrdinal = in.readUnsignedByte();
        if (axisOrdinal >= Axis.values().length || encodingOrdinal >= Encoding.values().length) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER, "axis " + axisOrdinal + " or encoding "
                    + encodingOrdinal + " unknown");
        }
        Axis axis = Axis.values()[axisOrdinal];
        int count = in.readInt();
        if (count < 0 || count > MAX_STRUCTURES) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER, count + " structures, at most "
                    + MAX_STRUCTURES);
        }
        int frameCount = rasGrid.shape()[axis.arrayAxis()];
        int[] ids = new int[count];
        int[] firsts = new int[count];
        int[] lasts = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = in.readInt();
            firsts[i] = in.readInt();
            lasts[i] = in.readInt();
            if (firsts[i] < 0 || lasts[i] >= frameCount || lasts[i] < firsts[i] - 1) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "structure " + ids[i] + ": frames "
                        + firsts[i] + ".." + lasts[i] + " outside 0.." + (frameCount - 1));
            }
        }
        return new Header(version, axis, Encoding.values()[encodingOrdinal], ids, firsts, lasts);
    }

    /** Reads the index into {@code target}'s rectangles; returns the chunk lengths, per slot. */
    private static int[] readIndex(DataInputStream in, String object, AxisLogits target) throws IOException {
        int fw = target.frames().frameWidth();
        int fh = target.frames().frameHeight();
        int[] lengths = new int[target.slotCount()];
        for (int slot = 0; slot < lengths.length; slot++) {
            int x0 = in.readInt();
            int y0 = in.readInt();
            int w = in.readInt();
            int h = in.readInt();
            int length = in.readInt();
            boolean empty = w == 0 && h == 0 && length == 0;
            boolean inFrame = x0 >= 0 && y0 >= 0 && w > 0 && h > 0 && x0 <= fw - w && y0 <= fh - h
                    && length > 0 && length <= maxChunkBytes(w * h);
            if (!empty && !inFrame) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "frame entry " + slot + ": rectangle "
                        + x0 + "," + y0 + " " + w + "x" + h + " with " + length + " bytes does not fit a " + fw + "x"
                        + fh + " frame");
            }
            target.setRect(slot, x0, y0, w, h);
            lengths[slot] = length;
        }
        return lengths;
    }

    /** More than deflate can make of a rectangle's bytes (stored blocks cost 5 bytes in 65535). */
    private static int maxChunkBytes(int values) {
        int raw = 2 * values + 4;
        return raw + raw / 1024 + 64;
    }

    private static void readWholeFrames(DataInputStream data, String object, Header header, LogitVolume volume,
            long maxBytes) throws IOException {
        int frameSize = volume.frames().frameSize();
        long bytes = 2L * header.slotCount() * frameSize;
        if (bytes > maxBytes) {
            throw new InvalidVolumeException(object, Reason.TOO_LARGE, bytes + " bytes of logits, at most "
                    + maxBytes);
        }
        DataInputStream payload = new DataInputStream(new BufferedInputStream(new InflaterInputStream(data),
                1 << 16));
        byte[] buffer = new byte[frameSize * 2];
        float[] frame = new float[frameSize];
        try {
            for (int i = 0; i < volume.structureCount(); i++) {
                for (int t = volume.first(i); t <= volume.last(i); t++) {
                    if (header.encoding == Encoding.FLOAT16) {
                        payload.readFully(buffer, 0, 2 * frameSize);
                        for (int p = 0; p < frameSize; p++) {
                            frame[p] = Float16.toFloat((short) ((buffer[2 * p] << 8) | (buffer[2 * p + 1] & 0xFF)));
                        }
                    } else {
                        float scale = payload.readFloat();
                        payload.readFully(buffer, 0, frameSize);
                        for (int p = 0; p < frameSize; p++) {
                            frame[p] = buffer[p] * scale;
                        }
                    }
                    volume.putFrame(i, t, frame);
                }
            }
            // reading to the end makes the inflater verify the stream's checksum
            if (payload.read() != -1) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "data after the declared logits");
            }
        } catch (ZipException e) {
            throw new InvalidVolumeException(object, Reason.TRUNCATED, "corrupt payload: " + e.getMessage(), e);
        }
    }

    private static void putInt8(short[] values, int count, ByteBuffer raw) {
        float max = 0;
        for (int p = 0; p < count; p++) {
            max = Math.max(max, Math.abs(clamp(Float16.toFloat(values[p]))));
        }
        float scale = max == 0 ? 1f : max / 127f;
        raw.putFloat(scale);
        for (int p = 0; p < count; p++) {
            raw.put((byte) Math.round(clamp(Float16.toFloat(values[p])) / scale));
        }
    }

    /** Clamped to [-INT8_CLAMP, INT8_CLAMP]; NaN as -INT8_CLAMP, as fusion reads it. */
    private static float clamp(float v) {
        return v >= INT8_CLAMP ? INT8_CLAMP : v > -INT8_CLAMP ? v : -INT8_CLAMP;
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes, long at) throws IOException {
        long position = at;
        while (bytes.hasRemaining()) {
            position += out.write(bytes, position);
        }
    }

    /** Inflates one chunk at a time into a rectangle's float16 values; reuses its buffers. */
    static final class ChunkDecoder {
        private final String object;
        private final Encoding encoding;
        private final Inflater inflater = new Inflater();
        private final byte[] raw;
        private final short[] int8Halves = new short[256];
        private byte[] packed = new byte[1 << 16];

        ChunkDecoder(String object, Encoding encoding, int frameSize) {
            this.object = object;
            this.encoding = encoding;
            this.raw = new byte[2 * frameSize + 4];
        }

        /** The object key, for errors. */
        String object() {
            return object;
        }

        /** The buffer to read a chunk of {@code length} bytes into. */
        byte[] packed(int length) {
            if (packed.length < length) {
                packed = new byte[length];
            }
            return packed;
        }

        /** Decodes the chunk in {@link #packed} into {@code count} float16 values. */
        void decode(int length, int count, short[] dst) {
            int rawLength = encoding == Encoding.FLOAT16 ? 2 * count : 4 + count;
            inflater.reset();
            inflater.setInput(packed, 0, length);
            int n;
            try {
                n = inflater.inflate(raw, 0, rawLength);
            } catch (DataFormatException e) {
                throw new InvalidVolumeException(object, Reason.TRUNCATED, "corrupt frame: " + e.getMessage(), e);
            }
            if (n != rawLength || !inflater.finished() || inflater.getRemaining() != 0) {
                throw new InvalidVolumeException(object, Reason.TRUNCATED, "a frame holds " + n + " of "
                        + rawLength + " bytes or more than its data");
            }
            ByteBuffer values = ByteBuffer.wrap(raw, 0, rawLength);
            if (encoding == Encoding.FLOAT16) {
                values.asShortBuffer().get(dst, 0, count);
                return;
            }
            float scale = values.getFloat();
            for (int b = -128; b < 128; b++) {
                int8Halves[b + 128] = Float16.fromFloat(b * scale);
            }
            for (int p = 0; p < count; p++) {
                dst[p] = int8Halves[raw[4 + p] + 128];
            }
        }

        void end() {
            inflater.end();
        }
    }
}
