package dev.triplane.core.dicom;

import java.util.HashMap;
import java.util.Map;

/**
 * The data elements TriPlane reads (and will write), with their VR as the data dictionary (PS3.6) gives it: the
 * VR of an element in an implicit VR encoding, where the file does not say it. Tags are {@code group << 16 |
 * element}.
 */
public enum DicomTag {
    TRANSFER_SYNTAX_UID(0x0002_0010, Vr.UI),
    SPECIFIC_CHARACTER_SET(0x0008_0005, Vr.CS),
    SOP_CLASS_UID(0x0008_0016, Vr.UI),
    SOP_INSTANCE_UID(0x0008_0018, Vr.UI),
    STUDY_DATE(0x0008_0020, Vr.DA),
    STUDY_TIME(0x0008_0030, Vr.TM),
    ACCESSION_NUMBER(0x0008_0050, Vr.SH),
    MODALITY(0x0008_0060, Vr.CS),
    REFERRING_PHYSICIAN_NAME(0x0008_0090, Vr.PN),
    STUDY_DESCRIPTION(0x0008_1030, Vr.LO),
    PATIENT_NAME(0x0010_0010, Vr.PN),
    PATIENT_ID(0x0010_0020, Vr.LO),
    PATIENT_BIRTH_DATE(0x0010_0030, Vr.DA),
    PATIENT_SEX(0x0010_0040, Vr.CS),
    SLICE_THICKNESS(0x0018_0050, Vr.DS),
    SPACING_BETWEEN_SLICES(0x0018_0088, Vr.DS),
    GANTRY_DETECTOR_TILT(0x0018_1120, Vr.DS),
    STUDY_INSTANCE_UID(0x0020_000D, Vr.UI),
    SERIES_INSTANCE_UID(0x0020_000E, Vr.UI),
    STUDY_ID(0x0020_0010, Vr.SH),
    SERIES_NUMBER(0x0020_0011, Vr.IS),
    INSTANCE_NUMBER(0x0020_0013, Vr.IS),
    IMAGE_POSITION_PATIENT(0x0020_0032, Vr.DS),
    IMAGE_ORIENTATION_PATIENT(0x0020_0037, Vr.DS),
    FRAME_OF_REFERENCE_UID(0x0020_0052, Vr.UI),
    SAMPLES_PER_PIXEL(0x0028_0002, Vr.US),
    PHOTOMETRIC_INTERPRETATION(0x0028_0004, Vr.CS),
    NUMBER_OF_FRAMES(0x0028_0008, Vr.IS),
    ROWS(0x0028_0010, Vr.US),
    COLUMNS(0x0028_0011, Vr.US),
    PIXEL_SPACING(0x0028_0030, Vr.DS),
    BITS_ALLOCATED(0x0028_0100, Vr.US),
    BITS_STORED(0x0028_0101, Vr.US),
    PIXEL_REPRESENTATION(0x0028_0103, Vr.US),
    RESCALE_INTERCEPT(0x0028_1052, Vr.DS),
    RESCALE_SLOPE(0x0028_1053, Vr.DS),
    PIXEL_DATA(0x7FE0_0010, Vr.OW);

    /** Item, item delimitation and sequence delimitation (group FFFE): no VR in any encoding. */
    public static final int ITEM = 0xFFFE_E000;
    public static final int ITEM_DELIMITATION = 0xFFFE_E00D;
    public static final int SEQUENCE_DELIMITATION = 0xFFFE_E0DD;

    private static final Map<Integer, DicomTag> BY_TAG = new HashMap<>();

    static {
        for (DicomTag t : values()) {
            BY_TAG.put(t.tag, t);
        }
    }

    private final int tag;
    private final Vr vr;

    DicomTag(int tag, Vr vr) {
        this.tag = tag;
        this.vr = vr;
    }

    public int tag() {
        return tag;
    }

    public Vr vr() {
        return vr;
    }

    /** The listed element with this tag, or null. */
    public static DicomTag of(int tag) {
        return BY_TAG.get(tag);
    }

    /** {@code (gggg,eeee)}, as DICOM tools print a tag. */
    public static String format(int tag) {
        return String.format("(%04X,%04X)", tag >>> 16, tag & 0xFFFF);
    }

    @Override
    public String toString() {
        return name() + format(tag);
    }
}
