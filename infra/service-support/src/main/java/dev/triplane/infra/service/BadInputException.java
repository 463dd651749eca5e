package dev.triplane.infra.service;

/**
 * Input that can never be processed, whatever the retries (an object missing, unreadable or on another grid, labels
 * without a requested structure, a bad prompt file, an unknown model): the service publishes an error event naming
 * the object and the reason, and the record goes to its dead-letter topic without retry.
 */
public class BadInputException extends RuntimeException {

    private final String object;
    private final String reason;

    /**
     * @param object the object key at fault
     * @param reason a stable code: an {@code InvalidVolumeException.Reason} name, a codec refusal, or one of the
     *               service's own ({@code NO_SUCH_OBJECT}, {@code STRUCTURE_ABSENT}, {@code BAD_PROMPT_FILE}, ...)
     * @param detail what a person reads
     */
    public BadInputException(String object, String reason, String detail, Throwable cause) {
        super(object + ": " + detail, cause);
        this.object = object;
        this.reason = reason;
    }

    /** The object key at fault. */
    public String object() {
        return object;
    }

    /** The stable code of the refusal. */
    public String reason() {
        return reason;
    }
}
