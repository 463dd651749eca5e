package dev.triplane.core.nifti;

import java.nio.ByteBuffer;

/**
 * Decoded voxels kept in their stored primitive type (a 512x512x300 int16 CT stays 150 MiB of shorts), read
 * back as doubles one voxel at a time.
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
            case UINT8 -> new U8(new byte[count]);
            case INT8 -> new I8(new byte[count]);
            case INT16 -> new I16(new short[count]);
            case UINT16 -> new U16(new short[count]);
            case INT32 -> new I32(new int[count]);
            case UINT32 -> new U32(new int[count]);
            case INT64 -> new I64(new long[count]);
            case FLOAT32 -> new F32(new float[count]);
            case FLOAT64 -> new F64(new double[count]);
        };
    }

    record U8(byte[] v) implements Voxels {
        public double get(int i) {
            return v[i] & 0xFF;
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining();
            src.get(v, at, n);
            return n;
        }
    }

    record I8(byte[] v) implements Voxels {
        public double get(int i) {
            return v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining();
            src.get(v, at, n);
            return n;
        }
    }

    record I16(short[] v) implements Voxels {
        public double get(int i) {
            return v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 2;
            src.asShortBuffer().get(v, at, n);
            return n;
        }
    }

    record U16(short[] v) implements Voxels {
        public double get(int i) {
            return v[i] & 0xFFFF;
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 2;
            src.asShortBuffer().get(v, at, n);
            return n;
        }
    }

    record I32(int[] v) implements Voxels {
        public double get(int i) {
            return v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 4;
            src.asIntBuffer().get(v, at, n);
            return n;
        }
    }

    record U32(int[] v) implements Voxels {
        public double get(int i) {
            return Integer.toUnsignedLong(v[i]);
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 4;
            src.asIntBuffer().get(v, at, n);
            return n;
        }
    }

    record I64(long[] v) implements Voxels {
        public double get(int i) {
            return v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 8;
            src.asLongBuffer().get(v, at, n);
            return n;
        }
    }

    record F32(float[] v) implements Voxels {
        public double get(int i) {
            return v[i];
        }

        public int decode(ByteBuffer src, int at) {
            int n = src.remaining() / 4;
            src.asFloatBuffer().get(v, at, n);
            return n;
        }
    }

    record F64(double[] v) implements Voxels {
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
