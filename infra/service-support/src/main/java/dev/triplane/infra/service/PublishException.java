package dev.triplane.infra.service;

/**
 * Events about an object could not all be published in time (the broker down or slow): retryable, the caller
 * leaves the object for a later attempt or lets the listener's error handler retry the record.
 */
public class PublishException extends RuntimeException {

    private final String object;

    public PublishException(String object, String detail, Throwable cause) {
        super(object + ": cannot publish: " + detail, cause);
        this.object = object;
    }

    /** The object key (or source name) whose events were being published. */
    public String object() {
        return object;
    }
}
