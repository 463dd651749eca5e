package dev.triplane.core.volume;

/**
 * A volume that cannot be used, with the object it came from and the reason, so services can publish an
 * error event that names both.
 */
public final class InvalidVolumeException extends RuntimeException {

    /** Why a volume was refused. */
    public enum Reason {
        BAD_MAGIC,
        BAD_HEADER,
        BAD_DIMENSIONS,
        UNSUPPORTED_DATATYPE,
        TOO_LARGE,
        TRUNCATED,
        INFLATE_LIMIT,
        /** A {@code .nii.gz} whose gzip stream is damaged: bad header, deflate data, CRC or length. */
        CORRUPT_GZIP,
        NON_FINITE_VOXELS,
        BAD_SPACING,
        NOT_A_LABEL_MAP,
        GRID_MISMATCH,
        IO_ERROR,
        /** Larger than a service's memory budget, or ran out of memory: not retried, the same input fails again. */
        RESOURCE_LIMIT
    }

    private final String object;
    private final Reason reason;

    public InvalidVolumeException(String object, Reason reason, String detail) {
        this(object, reason, detail, null);
    }

    public InvalidVolumeException(String object, Reason reason, String detail, Throwable cause) {
        super(object + ": " + reason + ": " + detail, cause);
        this.object = object;
        this.reason = reason;
    }

    /** The file or object key the volume was read from. */
    public String object() {
        return object;
    }

    public Reason reason() {
        return reason;
    }
}
