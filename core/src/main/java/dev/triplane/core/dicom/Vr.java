package dev.triplane.core.dicom;

/**
 * DICOM value representations (PS3.5 section 6.2). In explicit VR encodings the VRs marked {@code longLength}
 * have two reserved bytes and a 32-bit length after the VR; the others a 16-bit length. Shared by the reader and
 * the writer ({@link DicomEncoder}).
 */
public enum Vr {
    AE(false), AS(false), AT(false), CS(false), DA(false), DS(false), DT(false), FD(false), FL(false), IS(false),
    LO(false), LT(false), OB(true), OD(true), OF(true), OL(true), OV(true), OW(true), PN(false), SH(false),
    SL(false), SQ(true), SS(false), ST(false), SV(true), TM(false), UC(true), UI(false), UL(false), UN(true),
    UR(true), US(false), UT(true), UV(true);

    private final boolean longLength;

    Vr(boolean longLength) {
        this.longLength = longLength;
    }

    /** Whether explicit VR encodings give this VR a 32-bit length (after two reserved bytes). */
    public boolean longLength() {
        return longLength;
    }

    /** The VR spelled by two bytes, or null when they spell none. */
    public static Vr of(int first, int second) {
        if (first < 'A' || first > 'Z' || second < 'A' || second > 'Z') {
            return null;
        }
        try {
            return valueOf(new String(new char[] {(char) first, (char) second}));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
