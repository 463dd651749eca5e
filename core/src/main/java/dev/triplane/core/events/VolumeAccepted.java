package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A volume passed validation and its canonical copy is stored ({@code triplane.volumes}, ingest -> audit).
 *
 * @param version     {@link #CURRENT_VERSION} when written
 * @param volumeId    SHA-256 of the image file's bytes, 64 lower-case hex digits
 * @param requestId   the request whose axis jobs ingest emitted with this volume
 * @param source      where the image came from: the inbox object key, or {@code upload:image} for an upload
 *                    (never the uploader's file name)
 * @param imageKey    object key of the canonical image
 * @param labelsKey   object key of the reference labels, or null when the volume has none
 * @param shape       voxels along i, j, k as stored (before reorientation)
 * @param spacing     voxel size along i, j, k in mm
 * @param orientation axis codes of the stored voxel order, nibabel's {@code aff2axcodes} (e.g. {@code "LPS"})
 * @param datasetTag  tag under which metrics are aggregated (e.g. {@code "inbox"})
 * @param structures  structure ids to segment, ascending
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VolumeAccepted(int version, String volumeId, String requestId, String source, String imageKey,
        String labelsKey, List<Integer> shape, List<Double> spacing, String orientation, String datasetTag,
        List<Integer> structures) {

    public static final int CURRENT_VERSION = 1;

    public VolumeAccepted {
        String e = "VolumeAccepted";
        EventChecks.version(e, version);
        EventChecks.text(e, "volumeId", volumeId);
        EventChecks.text(e, "requestId", requestId);
        EventChecks.text(e, "source", source);
        EventChecks.text(e, "imageKey", imageKey);
        shape = EventChecks.list(e, "shape", shape);
        spacing = EventChecks.list(e, "spacing", spacing);
        if (shape.size() != 3 || spacing.size() != 3) {
            throw new IllegalArgumentException(e + ": shape and spacing need 3 values each: " + shape + ", " + spacing);
        }
        EventChecks.text(e, "orientation", orientation);
        EventChecks.text(e, "datasetTag", datasetTag);
        structures = EventChecks.list(e, "structures", structures);
    }
}
