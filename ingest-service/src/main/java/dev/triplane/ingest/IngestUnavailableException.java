package dev.triplane.ingest;

/** The store or the broker failed in a way that may pass (retryable): the scan is left for a later attempt. */
public class IngestUnavailableException extends RuntimeException {

    public IngestUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
