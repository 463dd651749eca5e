package dev.triplane.infra.service;

import dev.triplane.core.events.Reason;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Input that can never be processed, whatever the retries (an object missing, unreadable or on another grid, labels
 * without a requested structure, a bad prompt file, an unknown model, a job out of memory): the listener's error
 * handler ends its request with an error event naming the object and the reason and a FAILED status, and the record
 * goes to its dead-letter topic without retry ({@link DeadLetterErrorHandlers#createForRequests}).
 */
public class BadInputException extends RuntimeException {

    private final String object;
    private final Reason reason;

    /**
     * @param object the object key at fault
     * @param reason why, a reason that is not retried
     * @param detail what a person reads
     */
    public BadInputException(String object, Reason reason, String detail, Throwable cause) {
        super(object + ": " + detail, cause);
        this.object = object;
        this.reason = reason;
    }

    /**
     * What an invalid volume read from the store is: bad input, or, for a stream that broke while it was read
     * ({@link Reason#IO_ERROR}), an {@link UncheckedIOException} the error handler retries like a store outage.
     */
    public static RuntimeException of(InvalidVolumeException e) {
        if (e.reason().retry() == Reason.Retry.OUTAGE_BACKOFF) {
            return new UncheckedIOException(new IOException(e.getMessage(), e));
        }
        return new BadInputException(e.object(), e.reason(), e.getMessage(), e);
    }

    /** The object key at fault. */
    public String object() {
        return object;
    }

    /** Why it is refused. */
    public Reason reason() {
        return reason;
    }
}
