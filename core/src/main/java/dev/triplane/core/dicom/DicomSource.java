package dev.triplane.core.dicom;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a DICOM SEG of a series needs from the series it segments: the UIDs it references, the source images in
 * slice order and the Patient and General Study module attributes the SEG must repeat (PS3.3 A.51). Ingest keeps it
 * beside the canonical copy of a volume read from DICOM; the canonical copy is the series' own voxel order (column
 * i, row j, slice k), so voxel {@code (i, j, k)} of a result is column i, row j of {@code instances().get(k)}.
 * It holds patient data: it stays in the bucket like its source and never goes into an event.
 *
 * @param version {@link #CURRENT_VERSION} when written
 * @param studyInstanceUid the source's StudyInstanceUID
 * @param seriesInstanceUid the source series' SeriesInstanceUID
 * @param frameOfReferenceUid the source's FrameOfReferenceUID (null when absent)
 * @param rows Rows of each source image
 * @param columns Columns of each source image
 * @param instances the source images in slice order, k = 0 first
 * @param patientStudy Patient and General Study module values by {@link DicomTag} name (SpecificCharacterSet
 *     included), as the source's first slice gives them; absent attributes are left out
 */
public record DicomSource(int version, String studyInstanceUid, String seriesInstanceUid, String frameOfReferenceUid,
        int rows, int columns, List<Instance> instances, Map<String, String> patientStudy) {

    public static final int CURRENT_VERSION = 1;

    /** The Patient and General Study module attributes kept (Type 1 and 2 of both modules, and the description). */
    public static final List<DicomTag> PATIENT_STUDY = List.of(DicomTag.SPECIFIC_CHARACTER_SET,
            DicomTag.PATIENT_NAME, DicomTag.PATIENT_ID, DicomTag.PATIENT_BIRTH_DATE, DicomTag.PATIENT_SEX,
            DicomTag.STUDY_INSTANCE_UID, DicomTag.STUDY_DATE, DicomTag.STUDY_TIME, DicomTag.REFERRING_PHYSICIAN_NAME,
            DicomTag.STUDY_ID, DicomTag.ACCESSION_NUMBER, DicomTag.STUDY_DESCRIPTION);

    /** One source image. */
    public record Instance(String sopClassUid, String sopInstanceUid) {}

    public DicomSource {
        if (version != CURRENT_VERSION) {
            throw new IllegalArgumentException("DicomSource: unknown version " + version);
        }
        if (studyInstanceUid == null || seriesInstanceUid == null || instances == null || instances.isEmpty()
                || rows < 1 || columns < 1) {
            throw new IllegalArgumentException("DicomSource: study and series UIDs, size and instances are required");
        }
        instances = List.copyOf(instances);
        patientStudy = Collections.unmodifiableMap(new LinkedHashMap<>(patientStudy == null ? Map.of() : patientStudy));
    }

    /** The reference a SEG of {@code series} needs. */
    public static DicomSource of(DicomSeries series) {
        DicomAttributes first = series.first();
        List<Instance> instances = new ArrayList<>(series.slices().size());
        for (DicomInstance s : series.slices()) {
            instances.add(new Instance(s.attributes().requireString(DicomTag.SOP_CLASS_UID),
                    s.attributes().requireString(DicomTag.SOP_INSTANCE_UID)));
        }
        Map<String, String> patientStudy = new LinkedHashMap<>();
        for (DicomTag t : PATIENT_STUDY) {
            String v = first.string(t);
            if (v != null) {
                patientStudy.put(t.name(), v);
            }
        }
        return new DicomSource(CURRENT_VERSION, series.studyInstanceUid(), series.seriesInstanceUid(),
                series.frameOfReferenceUid(), series.grid().ny(), series.grid().nx(), instances, patientStudy);
    }
}
