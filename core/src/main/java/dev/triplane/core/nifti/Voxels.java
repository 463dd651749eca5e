package dev.triplane.core.nifti;

import java.nio.ByteBuffer;

/**
 * Decoded voxels kept in their stored primitive type (a 512x512x300 int16 CT stays 150 MiB of shorts), read
 * back as doubles one voxel at a time. One record per storage width; signed and unsigned types of a width share
 * it and differ only in how {@link #get} widens.
 */
sealed interface Voxels {

    /** The stored value of voxel {@code i} (unsigned types widened), before scaling. */
    double get(int i);

    /**
     * Decodes all remaining bytes of {@code src} (a whole number of voxels, in the file's byte order) into the
     * voxels from index {@code at} on.
     *
     * @return the number of voxels decoded
     */
    int decode(ByteBuffer src, int at);

    static Voxels allocate(NiftiDatatype type, int count) {
        return switch (type) {
            case UINT8 -> new Bytes(new byte[count], true);
            case INT8 -> new Bytes(new byte[count], false);
            case INT16 -> new Shorts(new short[count], false);
            case UINT16 -> new Shorts(new short[count], true);
            case INT32 -> new Ints(new int[count], false);
            case UINT32 -> new Ints(new int[count], true);
            case INT64 -> new Longs(new long[count]);
            case FLOAT32 -> new Floats(new float[count]);
            case FLOAT64 -> new Doubles(new double[count]);
        };
    }

    record Bytes(byte[] v, boolean unsigned) implements Voxels {
        public double get(int i) {
            return unsigned ? v[i] & 0xFF : v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining();
            src.get(v, at, n);
            return n;
        }
    }

    record Shorts(short[] v, boolean unsigned) implements Voxels {
        public double get(int i) {
            return unsigned ? v[i] & 0xFFFF : v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 2;
            src.asShortBuffer().get(v, at, n);
            return n;
        }
    }

    record Ints(int[] v, boolean unsigned) implements Voxels {
        public double get(int i) {
            return unsigned ? Integer.toUnsignedLong(v[i]) : v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 4;
            src.asIntBuffer().get(v, at, n);
            return n;
        }
    }

    record Longs(long[] v) implements Voxels {
        public double get(int i) {
            return v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 8;
            src.asLongBuffer().get(v, at, n);
            return n;
        }
    }

    record Floats(float[] v) implements Voxels {
        public double get(int i) {
            return v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 4;
            src.asFloatBuffer().get(v, at, n);
            return n;
        }
    }

    record Doubles(double[] v) implements Voxels {
        public double get(int i) {
            return v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 8;
            src.asDoubleBuffer().get(v, at, n);
            return n;
        }
    }
}
