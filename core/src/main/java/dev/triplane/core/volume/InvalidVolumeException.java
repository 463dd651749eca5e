package dev.triplane.core.volume;

import dev.triplane.core.events.Reason;

/**
 * A volume that cannot be used, with the object it came from and the reason (one of the volume reasons of the
 * shared {@link Reason}: {@code BAD_MAGIC} to {@code DICOM_NOT_CT}), so services can publish an error event
 * that names both.
 */
public final class InvalidVolumeException extends RuntimeException {

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
