package dev.triplane.core.dicom;

import dev.triplane.core.volume.InvalidVolumeException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one folder or archive of DICOM files holds, one entry per SeriesInstanceUID.
 *
 * @param ct the CT series that form a volume each
 * @param refused CT series that do not form a volume, by SeriesInstanceUID, with the reason
 * @param others series of other modalities (SEG, SR, MR, ...): SeriesInstanceUID to modality, not read further
 * @param ignored inputs that are not DICOM images (other files, a DICOMDIR)
 */
public record DicomStudy(List<DicomSeries> ct, Map<String, InvalidVolumeException> refused,
        Map<String, String> others, List<String> ignored) {

    public DicomStudy {
        ct = List.copyOf(ct);
        refused = Collections.unmodifiableMap(new LinkedHashMap<>(refused));
        others = Collections.unmodifiableMap(new LinkedHashMap<>(others));
        ignored = List.copyOf(ignored);
    }
}
