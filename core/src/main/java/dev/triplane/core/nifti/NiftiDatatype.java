package dev.triplane.core.nifti;

/** The NIfTI voxel datatypes TriPlane reads, with their header code and size in bytes. */
public enum NiftiDatatype {
    UINT8(2, 1),
    INT16(4, 2),
    INT32(8, 4),
    FLOAT32(16, 4),
    FLOAT64(64, 8),
    INT8(256, 1),
    UINT16(512, 2),
    UINT32(768, 4),
    INT64(1024, 8);

    private final int code;
    private final int bytes;

    NiftiDatatype(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    /** The {@code datatype} header value. */
    public int code() {
        return code;
    }

    /** Bytes per voxel. */
    public int bytes() {
        return bytes;
    }

    /** The {@code bitpix} header value. */
    public int bitpix() {
        return 8 * bytes;
    }

    /** The datatype for a header code, or null when TriPlane does not read it (complex, RGB, float128, ...). */
    public static NiftiDatatype ofCode(int code) {
        for (NiftiDatatype t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
