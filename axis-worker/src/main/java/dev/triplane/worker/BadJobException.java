package dev.triplane.worker;

/**
 * A job that can never succeed (a missing or invalid image, labels without a requested structure, a bad prompt
 * file, an unknown model): published as an error event and a FAILED status, then sent to the DLT without retry.
 */
class BadJobException extends RuntimeException {

    private final String object;
    private final String reason;

    BadJobException(String object, String reason, String detail, Throwable cause) {
        super(object + ": " + detail, cause);
        this.object = object;
        this.reason = reason;
    }

    /** The object key at fault. */
    String object() {
        return object;
    }

    /**
     * A stable code: an {@code InvalidVolumeException.Reason} name, {@code NO_SUCH_OBJECT},
     * {@code STRUCTURE_ABSENT}, {@code BAD_PROMPT_FILE} or {@code NO_SUCH_MODEL}.
     */
    String reason() {
        return reason;
    }
}
