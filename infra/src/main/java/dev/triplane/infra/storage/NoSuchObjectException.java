package dev.triplane.infra.storage;

/** There is no object under the requested key (not retryable). */
public class NoSuchObjectException extends ObjectStoreException {

    public NoSuchObjectException(String bucket, String key, Throwable cause) {
        super("no object " + key + " in bucket " + bucket, cause, false);
    }
}
