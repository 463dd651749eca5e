package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.geometry.Axis;

/**
 * A correction of one structure on one slice of an already segmented request, as ingest accepted it: carried by the
 * {@link AxisJob} that segments the structure again on that axis, and stored by ingest under the request's
 * corrections. Revision N's objects live under their own keys, so revision N - 1 stays readable.
 *
 * @param version      {@link #CURRENT_VERSION} when written
 * @param correctionId SHA-256 of the request and the checked prompt (64 hex digits): the same correction sent again
 *                     is the same correction, with the same revision
 * @param revision     the revision it produces, 2 for the first correction of a request
 * @param structure    the structure id corrected
 * @param axis         the axis of the corrected slice
 * @param frame        the corrected slice along {@code axis} (RAS+ order)
 * @param promptFile   the correction as a checked version 1 prompt file (one structure, one slice)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Correction(int version, String correctionId, int revision, int structure, Axis axis, int frame,
        String promptFile) {

    public static final int CURRENT_VERSION = 1;

    public Correction {
        String e = "Correction";
        EventChecks.version(e, version);
        EventChecks.text(e, "correctionId", correctionId);
        if (revision < 2 || structure < 1 || frame < 0) {
            throw new IllegalArgumentException(e + ": revision >= 2, structure >= 1 and frame >= 0: " + revision
                    + ", " + structure + ", " + frame);
        }
        EventChecks.present(e, "axis", axis);
        EventChecks.text(e, "promptFile", promptFile);
    }
}
