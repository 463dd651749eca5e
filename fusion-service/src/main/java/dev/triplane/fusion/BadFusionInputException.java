package dev.triplane.fusion;

/**
 * An input of a request that can never be fused (a logits object or the image missing, corrupt or on another
 * grid): published as an error event and the request fails, without retry.
 */
class BadFusionInputException extends RuntimeException {

    private final String object;
    private final String reason;

    BadFusionInputException(String object, String reason, String detail, Throwable cause) {
        super(object + ": " + reason + ": " + detail, cause);
        this.object = object;
        this.reason = reason;
    }

    /** The object key at fault. */
    String object() {
        return object;
    }

    /**
     * A stable code: an {@code InvalidVolumeException.Reason} name, {@code NO_SUCH_OBJECT} or
     * {@code RULE_AXIS_MISSING}.
     */
    String reason() {
        return reason;
    }
}
