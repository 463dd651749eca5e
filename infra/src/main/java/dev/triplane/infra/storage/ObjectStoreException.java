package dev.triplane.infra.storage;

/** A failed object-store operation; {@link #retryable()} says whether repeating it may succeed. */
public class ObjectStoreException extends RuntimeException {

    private final boolean retryable;

    public ObjectStoreException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** True for network errors, server errors and throttling; false for missing objects, denied access, etc. */
    public boolean retryable() {
        return retryable;
    }
}
