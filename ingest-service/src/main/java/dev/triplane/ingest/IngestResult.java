package dev.triplane.ingest;

import dev.triplane.core.events.Reason;

/**
 * What happened to one scan.
 *
 * @param outcome   accepted, already ingested, or rejected
 * @param volumeId  SHA-256 of the image file (of a DICOM series, of its canonical NIfTI copy: {@link DicomIngest})
 * @param requestId the request emitted (or emitted before); null when rejected
 * @param reason    why it was rejected ({@link Reason});
 *                  null otherwise
 * @param detail    why it was rejected; null otherwise
 */
public record IngestResult(Outcome outcome, String volumeId, String requestId, Reason reason, String detail) {

    /** What happened to a scan. */
    public enum Outcome {
        /** Stored and its events published. */
        ACCEPTED,
        /** The same volume and request were ingested before; nothing was published. */
        ALREADY_INGESTED,
        /** Invalid input; an {@code ErrorEvent} names it. */
        REJECTED
    }
}
