package dev.triplane.core.events;

/**
 * Why an input was refused or a request ended: the {@code reason} of an {@link ErrorEvent}, one list for every
 * stage (written as the constant's name, so {@code "BAD_MAGIC"} in JSON). Each constant carries the policy the
 * services apply to it:
 * <ul>
 *   <li>{@link #retry()}: a store or broker that may come back is retried with the outage backoff; a failure
 *       that may or may not repeat is attempted a bounded number of times; anything else is bad input, not
 *       retried: its record goes to the dead-letter topic at once;</li>
 *   <li>{@link #terminal(Stage)}: the status it ends its request with, {@link VolumeStatus.State#REJECTED} at ingest
 *       (nothing was accepted) and {@link VolumeStatus.State#FAILED} after;</li>
 *   <li>{@link #deadLettered(Stage)}: whether the consumed record it came from goes to its {@code <topic>.dlt}.</li>
 * </ul>
 * The error event and the terminal status are always published together ({@code triplane.errors} and
 * {@code triplane.status}); a record that names no request (not JSON) has only the error event.
 */
public enum Reason {

    // an image, labels, logits or segmentation that cannot be used (core's readers and checks)
    /** Not a NIfTI-1 file (nor a logit volume). */
    BAD_MAGIC(Retry.NONE),
    /** A header field out of range or inconsistent. */
    BAD_HEADER(Retry.NONE),
    /** Dimensions that are not a 3D volume. */
    BAD_DIMENSIONS(Retry.NONE),
    /** A NIfTI datatype the readers do not take. */
    UNSUPPORTED_DATATYPE(Retry.NONE),
    /** More voxel bytes than {@code triplane.limits.max-voxel-bytes}. */
    TOO_LARGE(Retry.NONE),
    /** The file ends before its declared voxels. */
    TRUNCATED(Retry.NONE),
    /** A gzip stream inflating past {@code triplane.limits.max-inflated-bytes}. */
    INFLATE_LIMIT(Retry.NONE),
    /** A {@code .nii.gz} whose gzip stream is damaged: bad header, deflate data, CRC or length. */
    CORRUPT_GZIP(Retry.NONE),
    /** NaN or infinite voxels in an image. */
    NON_FINITE_VOXELS(Retry.NONE),
    /** Voxel spacing that is zero, negative or not finite. */
    BAD_SPACING(Retry.NONE),
    /** Labels that are not non-negative integers. */
    NOT_A_LABEL_MAP(Retry.NONE),
    /** Two volumes of a request (image and labels, or logits) on different grids. */
    GRID_MISMATCH(Retry.NONE),
    /** Reading the stream failed (the store's connection broke): retried as an outage. */
    IO_ERROR(Retry.OUTAGE_BACKOFF),
    /** Larger than a service's memory budget, or ran out of memory: the same input fails again. */
    RESOURCE_LIMIT(Retry.NONE),

    // a DICOM series that cannot be made one CT volume (core's dicom reader)
    /** A transfer syntax the DICOM reader does not decode (the message names its UID). */
    DICOM_UNSUPPORTED_SYNTAX(Retry.NONE),
    /** DICOM files of more than one series, or slices of one series that differ in size, orientation or spacing. */
    DICOM_MIXED_SERIES(Retry.NONE),
    /** A gap in a DICOM series that one or more slices would fill. */
    DICOM_MISSING_SLICE(Retry.NONE),
    /** Two DICOM slices at the same position, or one instance twice. */
    DICOM_DUPLICATE_SLICE(Retry.NONE),
    /** DICOM slice positions whose spacing varies beyond the reader's tolerance. */
    DICOM_UNEVEN_SPACING(Retry.NONE),
    /** DICOM slices stacked off their normal (a tilted gantry): not a rectilinear grid. */
    DICOM_GANTRY_TILT(Retry.NONE),
    /** A DICOM series whose modality is not CT. */
    DICOM_NOT_CT(Retry.NONE),

    // the other inputs of a request
    /** An object a request names does not exist. */
    NO_SUCH_OBJECT(Retry.NONE),
    /** A requested structure has no voxel in the reference labels. */
    STRUCTURE_ABSENT(Retry.NONE),
    /** The prompt file of a job is invalid or lacks a structure on the job's axis (axis-worker). */
    BAD_PROMPT_FILE(Retry.NONE),
    /** The job's model is neither on the worker nor in the bucket. */
    NO_SUCH_MODEL(Retry.NONE),
    /** A single-axis fusion rule whose axis did not arrive. */
    RULE_AXIS_MISSING(Retry.NONE),
    /** Axes did not arrive within {@code triplane.fusion.axis-timeout} under {@code on-timeout: fail}. */
    AXIS_TIMEOUT(Retry.NONE),
    /** A scan with neither reference labels nor a prompt file (ingest). */
    NO_PROMPTS(Retry.NONE),
    /** A prompt file ingest refuses. */
    BAD_PROMPTS(Retry.NONE),
    /** A structure of a prompt file with no prompt on any of the request's axes (ingest). */
    UNPROMPTED_AXIS(Retry.NONE),
    /**
     * A structure that the first stage of a cascade fused to no voxel: no prompt for the remaining axes can be
     * derived from it (fusion).
     */
    CASCADE_EMPTY(Retry.NONE),
    /** Request parameters that select nothing, or an unknown structure or group (ingest). */
    BAD_REQUEST(Retry.NONE),
    /** A correction naming a volume, request or revision that ingest does not know, or not yet segmented. */
    UNKNOWN_REQUEST(Retry.NONE),
    /** A correction ingest refuses: not one slice of one structure and axis of its request. */
    BAD_CORRECTION(Retry.NONE),
    /** A dropped object's key with a {@code ..} segment, a control character or over 1024 bytes (ingest). */
    BAD_OBJECT_KEY(Retry.NONE),

    // records and retries
    /** A record that is not a valid event of its topic, or an event no retry can mend. */
    BAD_RECORD(Retry.NONE),
    /** A failure other than an outage that repeated on every attempt ({@code max-attempts}). */
    RETRIES_EXHAUSTED(Retry.ATTEMPTS),
    /** The object store or the broker still failing after the outage backoff (2 min); the input may succeed later. */
    UNAVAILABLE(Retry.OUTAGE_BACKOFF),
    /**
     * A job delivered for the last time its queue allows (a share group's delivery-count limit): every earlier
     * delivery lost its worker (killed, out of memory outside the heap, hung), so it ends before computing.
     */
    WORKER_CRASHED(Retry.NONE);

    /** How a failure is retried before its request ends. */
    public enum Retry {
        /** From 1 s doubling to 30 s, for at most 2 min. */
        OUTAGE_BACKOFF,
        /** The service's {@code max-attempts}, then the request ends. */
        ATTEMPTS,
        /** Not retried: the request ends at once. */
        NONE
    }

    private final Retry retry;

    Reason(Retry retry) {
        this.retry = retry;
    }

    public Retry retry() {
        return retry;
    }

    /** {@link ErrorEvent#retryable()}: whether the same input may succeed later (only an outage may pass). */
    public boolean retryable() {
        return retry == Retry.OUTAGE_BACKOFF;
    }

    /** The status a request ends with: {@code REJECTED} at ingest, which accepted nothing; {@code FAILED} after. */
    public VolumeStatus.State terminal(Stage stage) {
        return stage == Stage.INGEST ? VolumeStatus.State.REJECTED : VolumeStatus.State.FAILED;
    }

    /**
     * Whether the record this failure came from goes to its dead-letter topic. The axis-worker and metrics-service
     * end a request by giving up on its record: it goes there. Ingest's scans come from uploads and the inbox, and
     * fusion ends a request in its own transaction, with the job's offset (the job is sound, its inputs are not)
     * or on a timeout: only a record that is not a valid event of its topic ({@link #BAD_RECORD}) goes there.
     */
    public boolean deadLettered(Stage stage) {
        return switch (stage) {
            case INGEST, FUSION -> this == BAD_RECORD;
            case AXIS_WORKER, METRICS -> true;
        };
    }
}
