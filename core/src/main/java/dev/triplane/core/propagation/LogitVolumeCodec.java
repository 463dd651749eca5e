package dev.triplane.core.propagation;

import dev.triplane.core.NamedOption;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.InvalidVolumeException.Reason;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * The stored form of a {@link LogitVolume} ({@code logits/{volumeId}/{requestId}/{axis}.bin}).
 *
 * <p>Layout, big-endian: the magic {@code TPLOGITS}, format version (int, 1), the RAS+ shape nx, ny, nz (ints),
 * the axis (byte, {@link Axis} ordinal), the encoding (byte, {@link Encoding} ordinal), the structure count
 * (int), then per structure its id, first and last frame (ints). A deflate stream follows with, per structure
 * and per frame of its range, frame after frame: {@code float16} the frame's float16 values (shorts);
 * {@code int8} the frame's scale (float) then one byte per voxel, {@code value = byte * scale}, after clamping to
 * [-{@value #INT8_CLAMP}, {@value #INT8_CLAMP}] (fusion clamps logits to that range anyway).
 *
 * <p>Reading checks every header field against the grid the caller expects and a byte budget before allocating,
 * so a hostile or truncated file is refused with the object's name, never an out-of-memory error.
 */
public final class LogitVolumeCodec {

    /** How logits are stored. */
    public enum Encoding implements NamedOption {
        /** 2 bytes a voxel, as held in memory: decoding gives exactly what was encoded. */
        FLOAT16("float16"),
        /** 1 byte a voxel plus a scale per frame: steps of at most 32/127 logits. */
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

    public static final int FORMAT_VERSION = 1;
    /** int8 values are clamped to this magnitude before quantizing. */
    public static final float INT8_CLAMP = 32f;
    /** Most structures a stored volume may declare. */
    public static final int MAX_STRUCTURES = 4096;

    private static final byte[] MAGIC = "TPLOGITS".getBytes(StandardCharsets.US_ASCII);

    private LogitVolumeCodec() {
    }

    public static void write(LogitVolume volume, Encoding encoding, OutputStream out) throws IOException {
        DataOutputStream header = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
        header.write(MAGIC);
        header.writeInt(FORMAT_VERSION);
        Grid grid = volume.grid();
        header.writeInt(grid.nx());
        header.writeInt(grid.ny());
        header.writeInt(grid.nz());
        header.writeByte(volume.axis().ordinal());
        header.writeByte(encoding.ordinal());
        header.writeInt(volume.structureCount());
        for (int i = 0; i < volume.structureCount(); i++) {
            header.writeInt(volume.id(i));
            header.writeInt(volume.first(i));
            header.writeInt(volume.last(i));
        }
        header.flush();
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try {
            DeflaterOutputStream deflated = new DeflaterOutputStream(out, deflater, 1 << 16);
            DataOutputStream payload = new DataOutputStream(new BufferedOutputStream(deflated, 1 << 16));
            int frameSize = volume.frames().frameSize();
            byte[] buffer = new byte[frameSize * 2];
            float[] frame = new float[frameSize];
            for (int i = 0; i < volume.structureCount(); i++) {
                for (int t = volume.first(i); t <= volume.last(i); t++) {
                    if (encoding == Encoding.FLOAT16) {
                        short[] halves = volume.halves(i);
                        int offset = (t - volume.first(i)) * frameSize;
                        for (int p = 0; p < frameSize; p++) {
                            short h = halves[offset + p];
                            buffer[2 * p] = (byte) (h >>> 8);
                            buffer[2 * p + 1] = (byte) h;
                        }
                        payload.write(buffer, 0, 2 * frameSize);
                    } else {
                        volume.copyFrame(i, t, frame);
                        float scale = int8Scale(frame);
                        payload.writeFloat(scale);
                        for (int p = 0; p < frameSize; p++) {
                            buffer[p] = (byte) Math.round(clamp(frame[p]) / scale);
                        }
                        payload.write(buffer, 0, frameSize);
                    }
                }
            }
            payload.flush();
            deflated.finish();
            out.flush();
        } finally {
            deflater.end();
        }
    }

    /**
     * Reads a stored volume.
     *
     * @param object      the object key, for errors
     * @param rasGrid     the RAS+ grid of the volume the logits belong to; the stored shape must match it
     * @param maxBytes    most bytes the decoded float16 values may take
     * @throws InvalidVolumeException naming {@code object}: {@code BAD_MAGIC}, {@code BAD_HEADER},
     *     {@code GRID_MISMATCH}, {@code TOO_LARGE} or {@code TRUNCATED}
     */
    public static LogitVolume read(InputStream in, String object, Grid rasGrid, long maxBytes) throws IOException {
        DataInputStream header = new DataInputStream(in);
        try {
            byte[] magic = new byte[MAGIC.length];
            header.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new InvalidVolumeException(object, Reason.BAD_MAGIC, "not a TriPlane logit volume");
            }
            int version = header.readInt();
            if (version != FORMAT_VERSION) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "format version " + version
                        + ", this reader knows " + FORMAT_VERSION);
            }
            int[] shape = {header.readInt(), header.readInt(), header.readInt()};
            if (!Arrays.equals(shape, rasGrid.shape())) {
                throw new InvalidVolumeException(object, Reason.GRID_MISMATCH, "shape " + Arrays.toString(shape)
                        + " is not the volume's " + Arrays.toString(rasGrid.shape()));
            }
            int axisOrdinal = header.readUnsignedByte();
            int encodingOrdinal = header.readUnsignedByte();
            if (axisOrdinal >= Axis.values().length || encodingOrdinal >= Encoding.values().length) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "axis " + axisOrdinal + " or encoding "
                        + encodingOrdinal + " unknown");
            }
            Axis axis = Axis.values()[axisOrdinal];
            Encoding encoding = Encoding.values()[encodingOrdinal];
            int count = header.readInt();
            if (count < 0 || count > MAX_STRUCTURES) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, count + " structures, at most "
                        + MAX_STRUCTURES);
            }
            int frameCount = rasGrid.shape()[axis.arrayAxis()];
            long frameSize = rasGrid.voxelCount() / frameCount;
            int[] ids = new int[count];
            int[] firsts = new int[count];
            int[] lasts = new int[count];
            long bytes = 0;
            for (int i = 0; i < count; i++) {
                ids[i] = header.readInt();
                firsts[i] = header.readInt();
                lasts[i] = header.readInt();
                if (firsts[i] < 0 || lasts[i] >= frameCount || lasts[i] < firsts[i] - 1) {
                    throw new InvalidVolumeException(object, Reason.BAD_HEADER, "structure " + ids[i] + ": frames "
                            + firsts[i] + ".." + lasts[i] + " outside 0.." + (frameCount - 1));
                }
                bytes += (lasts[i] - firsts[i] + 1) * frameSize * 2;
            }
            if (bytes > maxBytes) {
                throw new InvalidVolumeException(object, Reason.TOO_LARGE, bytes + " bytes of logits, at most "
                        + maxBytes);
            }
            LogitVolume volume;
            try {
                volume = new LogitVolume(rasGrid, axis, ids, firsts, lasts);
            } catch (IllegalArgumentException e) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, e.getMessage());
            }
            DataInputStream payload = new DataInputStream(new BufferedInputStream(new InflaterInputStream(in),
                    1 << 16));
            readPayload(payload, volume, encoding);
            // reading to the end makes the inflater verify the stream's checksum
            if (payload.read() != -1) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "data after the declared logits");
            }
            return volume;
        } catch (EOFException e) {
            throw new InvalidVolumeException(object, Reason.TRUNCATED, "ends before its declared logits", e);
        } catch (ZipException e) {
            throw new InvalidVolumeException(object, Reason.TRUNCATED, "corrupt payload: " + e.getMessage(), e);
        }
    }

    private static void readPayload(DataInputStream payload, LogitVolume volume, Encoding encoding)
            throws IOException {
        int frameSize = volume.frames().frameSize();
        byte[] buffer = new byte[frameSize * 2];
        float[] frame = new float[frameSize];
        for (int i = 0; i < volume.structureCount(); i++) {
            short[] halves = volume.halves(i);
            for (int t = volume.first(i); t <= volume.last(i); t++) {
                int offset = (t - volume.first(i)) * frameSize;
                if (encoding == Encoding.FLOAT16) {
                    payload.readFully(buffer, 0, 2 * frameSize);
                    for (int p = 0; p < frameSize; p++) {
                        halves[offset + p] = (short) ((buffer[2 * p] << 8) | (buffer[2 * p + 1] & 0xFF));
                    }
                } else {
                    float scale = payload.readFloat();
                    payload.readFully(buffer, 0, frameSize);
                    for (int p = 0; p < frameSize; p++) {
                        frame[p] = buffer[p] * scale;
                    }
                    volume.putFrame(i, t, frame);
                }
            }
        }
    }

    private static float int8Scale(float[] frame) {
        float max = 0;
        for (float v : frame) {
            max = Math.max(max, Math.abs(clamp(v)));
        }
        return max == 0 ? 1f : max / 127f;
    }

    /** Clamped to [-INT8_CLAMP, INT8_CLAMP]; NaN as -INT8_CLAMP, as fusion reads it. */
    private static float clamp(float v) {
        return v >= INT8_CLAMP ? INT8_CLAMP : v > -INT8_CLAMP ? v : -INT8_CLAMP;
    }
}
