package dev.triplane.core.dicom;

import java.nio.ByteOrder;
import java.util.Map;

/**
 * The transfer syntaxes the reader decodes (PS3.5 section 10 and PS3.5 A.4.1), by UID. Any other syntax is refused
 * with {@link dev.triplane.core.events.Reason#DICOM_UNSUPPORTED_SYNTAX} naming its UID (and its name when it is
 * one of {@link #COMPRESSED}).
 */
public enum TransferSyntax {
    IMPLICIT_VR_LITTLE_ENDIAN("1.2.840.10008.1.2", false, ByteOrder.LITTLE_ENDIAN, false, false),
    EXPLICIT_VR_LITTLE_ENDIAN("1.2.840.10008.1.2.1", true, ByteOrder.LITTLE_ENDIAN, false, false),
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN("1.2.840.10008.1.2.1.99", true, ByteOrder.LITTLE_ENDIAN, true, false),
    EXPLICIT_VR_BIG_ENDIAN("1.2.840.10008.1.2.2", true, ByteOrder.BIG_ENDIAN, false, false),
    /** Encapsulated pixel data, decoded by {@link JpegLossless}. */
    JPEG_LOSSLESS("1.2.840.10008.1.2.4.57", true, ByteOrder.LITTLE_ENDIAN, false, true),
    /** Encapsulated pixel data, decoded by {@link JpegLossless}: the common lossless CT archive syntax. */
    JPEG_LOSSLESS_SV1("1.2.840.10008.1.2.4.70", true, ByteOrder.LITTLE_ENDIAN, false, true);

    /** Names of the common compressed syntaxes, for the refusal message. */
    static final Map<String, String> COMPRESSED = Map.ofEntries(
            Map.entry("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)"),
            Map.entry("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)"),
            Map.entry("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"),
            Map.entry("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless"),
            Map.entry("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless"),
            Map.entry("1.2.840.10008.1.2.4.91", "JPEG 2000"),
            Map.entry("1.2.840.10008.1.2.4.201", "HTJ2K Lossless"),
            Map.entry("1.2.840.10008.1.2.4.203", "HTJ2K"),
            Map.entry("1.2.840.10008.1.2.5", "RLE Lossless"));

    private final String uid;
    private final boolean explicitVr;
    private final ByteOrder order;
    private final boolean deflated;
    private final boolean jpegLossless;

    TransferSyntax(String uid, boolean explicitVr, ByteOrder order, boolean deflated, boolean jpegLossless) {
        this.uid = uid;
        this.explicitVr = explicitVr;
        this.order = order;
        this.deflated = deflated;
        this.jpegLossless = jpegLossless;
    }

    /** Whether pixel data is encapsulated JPEG Lossless (process 14) fragments. */
    public boolean jpegLossless() {
        return jpegLossless;
    }

    public String uid() {
        return uid;
    }

    public boolean explicitVr() {
        return explicitVr;
    }

    public ByteOrder order() {
        return order;
    }

    /** Whether the data set after the file meta information is a raw deflate stream. */
    public boolean deflated() {
        return deflated;
    }

    /** The syntax with this UID, or null when the reader does not decode it. */
    public static TransferSyntax of(String uid) {
        for (TransferSyntax s : values()) {
            if (s.uid.equals(uid)) {
                return s;
            }
        }
        return null;
    }

    /** The UID with its name when known, e.g. {@code 1.2.840.10008.1.2.4.70 (JPEG Lossless, ...)}. */
    static String describe(String uid) {
        String name = COMPRESSED.get(uid);
        return name == null ? uid : uid + " (" + name + ")";
    }
}
