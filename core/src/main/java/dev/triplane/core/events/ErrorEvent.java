package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Something could not be processed ({@code triplane.errors}, all stages -> operators).
 *
 * @param version   {@link #CURRENT_VERSION} when written
 * @param object    what failed: an object key (e.g. {@code inbox/scan.nii.gz}; control characters escaped), an
 *                  upload's part ({@code upload:image}), or a {@code topic/partition@offset} of a poison record
 * @param stage     the stage that hit the error
 * @param reason    why, from the one list every stage shares ({@link Reason}, its name in JSON)
 * @param retryable whether the same input may succeed later (a store or broker still down); invalid input
 *                  is never retryable: {@link Reason#retryable()}
 * @param detail    human-readable explanation
 * @param volumeId  the volume concerned, or null when not known (e.g. a file that could not be read)
 * @param requestId the request concerned, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ErrorEvent(int version, String object, Stage stage, Reason reason, boolean retryable, String detail,
        String volumeId, String requestId) {

    public static final int CURRENT_VERSION = 1;

    public ErrorEvent {
        String e = "ErrorEvent";
        EventChecks.version(e, version);
        EventChecks.text(e, "object", object);
        EventChecks.present(e, "stage", stage);
        EventChecks.present(e, "reason", reason);
        EventChecks.present(e, "detail", detail);
    }
}
