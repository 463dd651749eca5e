package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.fusion.FusionRule;
import dev.triplane.core.geometry.Axis;
import java.util.List;

/**
 * The fused label volume of a request is stored ({@code triplane.segmentations}, fusion -> metrics,
 * downstream). Both volumes are NIfTI on the input image's grid with its header; when the image came from a DICOM
 * series, the labels are also stored as a DICOM SEG of that series. Keys only: the SEG's patient data stays in the
 * bucket.
 *
 * @param version         {@link #CURRENT_VERSION} when written
 * @param volumeId        SHA-256 of the image file
 * @param requestId       the request
 * @param segmentationKey object key of the label volume (structure ids, 0 = background)
 * @param uncertaintyKey  object key of the axis-disagreement map (variance of the axes' probabilities)
 * @param imageKey        object key of the canonical image
 * @param labelsKey       object key of the reference labels, or null (then no metrics follow)
 * @param fusionRule      the rule used, {@link FusionRule#parse} syntax in canonical form (e.g. {@code "mean-logit"})
 * @param axes            the axes fused, in {@link Axis} order
 * @param partial         true when fewer than three axes arrived in time and the request fused what arrived
 * @param structures      voxels per requested structure in the label volume, by ascending id
 * @param datasetTag      tag under which metrics are aggregated
 * @param dicomSegmentationKey object key of the labels as a DICOM SEG, or null when the image did not come from
 *                        DICOM, no structure was found (a SEG needs a segment) or the producer is older than the
 *                        field (an added nullable field: older readers ignore it and the version stays 1)
 * @param revision        1 for the request's own segmentation, N >= 2 after its (N - 1)th correction (its objects
 *                        under their own keys; absent in older records: 1)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SegmentationReady(int version, String volumeId, String requestId, String segmentationKey,
        String uncertaintyKey, String imageKey, String labelsKey, String fusionRule, List<Axis> axes, boolean partial,
        List<StructureVoxels> structures, String datasetTag, String dicomSegmentationKey, int revision) {

    public static final int CURRENT_VERSION = 1;

    /** An event without a DICOM SEG. */
    public SegmentationReady(int version, String volumeId, String requestId, String segmentationKey,
            String uncertaintyKey, String imageKey, String labelsKey, String fusionRule, List<Axis> axes,
            boolean partial, List<StructureVoxels> structures, String datasetTag) {
        this(version, volumeId, requestId, segmentationKey, uncertaintyKey, imageKey, labelsKey, fusionRule, axes,
                partial, structures, datasetTag, null, 1);
    }

    /**
     * Size of one structure in the fused label volume.
     *
     * @param id     structure id
     * @param voxels voxels labelled with it (0 when the structure was not found)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StructureVoxels(int id, long voxels) {

        public StructureVoxels {
            if (id < 1 || voxels < 0) {
                throw new IllegalArgumentException("StructureVoxels: id must be >= 1 and voxels >= 0: " + id + ", "
                        + voxels);
            }
        }
    }

    public SegmentationReady {
        String e = "SegmentationReady";
        EventChecks.version(e, version);
        EventChecks.text(e, "volumeId", volumeId);
        EventChecks.text(e, "requestId", requestId);
        EventChecks.text(e, "segmentationKey", segmentationKey);
        EventChecks.text(e, "uncertaintyKey", uncertaintyKey);
        EventChecks.text(e, "imageKey", imageKey);
        fusionRule = FusionRule.parse(EventChecks.text(e, "fusionRule", fusionRule)).id();
        axes = EventChecks.list(e, "axes", axes);
        if (axes.isEmpty()) {
            throw new IllegalArgumentException(e + ": no axis fused");
        }
        structures = EventChecks.list(e, "structures", structures);
        EventChecks.text(e, "datasetTag", datasetTag);
        if (dicomSegmentationKey != null) {
            EventChecks.text(e, "dicomSegmentationKey", dicomSegmentationKey);
        }
        revision = revision == 0 ? 1 : revision;
        if (revision < 1) {
            throw new IllegalArgumentException(e + ": revision must be >= 1, got " + revision);
        }
    }

    /** This segmentation as revision {@code n}, stored under the given keys (a null SEG key when it has none). */
    public SegmentationReady asRevision(int n, String segmentation, String uncertainty, String dicomSegmentation) {
        return new SegmentationReady(version, volumeId, requestId, segmentation, uncertainty, imageKey, labelsKey,
                fusionRule, axes, partial, structures, datasetTag, dicomSegmentationKey == null ? null
                        : dicomSegmentation, n);
    }
}
