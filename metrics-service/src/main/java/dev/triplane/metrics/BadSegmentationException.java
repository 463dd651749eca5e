package dev.triplane.metrics;

/**
 * A segmentation that can never be measured (unreadable NIfTI, grids that differ, an object that does not exist):
 * published as an error event, then sent to the DLT without retry.
 */
class BadSegmentationException extends RuntimeException {

    private final String object;
    private final String reason;

    BadSegmentationException(String object, String reason, String detail, Throwable cause) {
        super(object + ": " + detail, cause);
        this.object = object;
        this.reason = reason;
    }

    /** The object key at fault. */
    String object() {
        return object;
    }

    /** A stable code: an {@code InvalidVolumeException.Reason} name or {@code NO_SUCH_OBJECT}. */
    String reason() {
        return reason;
    }
}
