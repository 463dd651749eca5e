package dev.triplane.core.dicom;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes data elements in explicit VR little endian (PS3.5 section 7.1.2) straight to a stream. Sequences and
 * items are written with undefined length and closed by delimitation items, so nothing is buffered and a data set
 * of any size streams. Values are padded to even length (UI with NUL, text with a space, binary with 0). Tags must
 * ascend within each data set (PS3.5 section 7.1): a tag out of order is a programming error and throws.
 */
final class DicomEncoder {

    private static final int UNDEFINED = 0xFFFF_FFFF;
    /** Largest DS text (PS3.5 table 6.2-1). */
    private static final int DS_CHARS = 16;

    private final OutputStream out;
    /** Marks an open sequence on {@link #lastTags} (between its items). */
    private static final int[] IN_SEQUENCE = new int[0];

    /** The last tag written in each open data set (or {@link #IN_SEQUENCE}), innermost first. */
    private final Deque<int[]> lastTags = new ArrayDeque<>();
    private final byte[] header = new byte[12];

    DicomEncoder(OutputStream out) {
        this.out = out;
        lastTags.push(new int[] {-1});
    }

    /** A text value (AE, CS, DA, DS, IS, LO, PN, SH, TM, ...); multiple values joined by {@code \}. */
    void text(int tag, Vr vr, String... values) throws IOException {
        byte[] v = String.join("\\", values).getBytes(StandardCharsets.ISO_8859_1);
        value(tag, vr, v, v.length, (byte) ' ');
    }

    /** A UI value, NUL-padded. */
    void uid(int tag, String uid) throws IOException {
        byte[] v = uid.getBytes(StandardCharsets.US_ASCII);
        value(tag, Vr.UI, v, v.length, (byte) 0);
    }

    /** DS values, each in at most 16 characters. */
    void decimals(int tag, double... values) throws IOException {
        String[] text = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            text[i] = ds(values[i]);
        }
        text(tag, Vr.DS, text);
    }

    void unsignedShorts(int tag, int... values) throws IOException {
        byte[] v = new byte[2 * values.length];
        for (int i = 0; i < values.length; i++) {
            v[2 * i] = (byte) values[i];
            v[2 * i + 1] = (byte) (values[i] >>> 8);
        }
        value(tag, Vr.US, v, v.length, (byte) 0);
    }

    void unsignedLongs(int tag, long... values) throws IOException {
        byte[] v = new byte[4 * values.length];
        for (int i = 0; i < values.length; i++) {
            putInt(v, 4 * i, (int) values[i]);
        }
        value(tag, Vr.UL, v, v.length, (byte) 0);
    }

    /** An AT value: the tags, each as group then element. */
    void attributeTags(int tag, int... tags) throws IOException {
        byte[] v = new byte[4 * tags.length];
        for (int i = 0; i < tags.length; i++) {
            v[4 * i] = (byte) (tags[i] >>> 16);
            v[4 * i + 1] = (byte) (tags[i] >>> 24);
            v[4 * i + 2] = (byte) tags[i];
            v[4 * i + 3] = (byte) (tags[i] >>> 8);
        }
        value(tag, Vr.AT, v, v.length, (byte) 0);
    }

    void bytes(int tag, Vr vr, byte[] v) throws IOException {
        value(tag, vr, v, v.length, (byte) 0);
    }

    /**
     * The header of a binary element whose {@code length} bytes the caller then writes to {@link #stream()}
     * (with a pad byte when odd, {@link #pad}).
     */
    void binaryHeader(int tag, Vr vr, long length) throws IOException {
        header(tag, vr, length + (length & 1));
    }

    /** Writes the 0 pad byte of an odd-length value announced by {@link #binaryHeader}. */
    void pad(long length) throws IOException {
        if ((length & 1) == 1) {
            out.write(0);
        }
    }

    OutputStream stream() {
        return out;
    }

    /** Opens a sequence of undefined length; items follow with {@link #item()}. */
    void sequence(int tag) throws IOException {
        header(tag, Vr.SQ, UNDEFINED & 0xFFFF_FFFFL);
        lastTags.push(IN_SEQUENCE);
    }

    /** Opens an item of undefined length in the open sequence. */
    void item() throws IOException {
        if (lastTags.peek() != IN_SEQUENCE) {
            throw new IllegalStateException("an item outside a sequence or inside an open item");
        }
        writeTag(DicomTag.ITEM);
        putInt(header, 0, UNDEFINED);
        out.write(header, 0, 4);
        lastTags.push(new int[] {-1});
    }

    void endItem() throws IOException {
        if (lastTags.size() < 3 || lastTags.pop() == IN_SEQUENCE) {
            throw new IllegalStateException("no open item");
        }
        delimit(DicomTag.ITEM_DELIMITATION);
    }

    void endSequence() throws IOException {
        if (lastTags.size() < 2 || lastTags.pop() != IN_SEQUENCE) {
            throw new IllegalStateException("no open sequence, or an item left open");
        }
        delimit(DicomTag.SEQUENCE_DELIMITATION);
    }

    /** A sequence of one item holding a code (PS3.3 section 8.8: CodeValue, CodingSchemeDesignator, CodeMeaning). */
    void code(int tag, String scheme, String value, String meaning) throws IOException {
        sequence(tag);
        item();
        codeItem(scheme, value, meaning);
        endItem();
        endSequence();
    }

    /** The three elements of a code in the open item. */
    void codeItem(String scheme, String value, String meaning) throws IOException {
        text(0x0008_0100, Vr.SH, value);
        text(0x0008_0102, Vr.SH, scheme);
        text(0x0008_0104, Vr.LO, meaning);
    }

    /**
     * A DS text of at most 16 characters: the shortest of the double's own text and roundings to fewer significant
     * digits that fits.
     */
    static String ds(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("DS value " + v + " is not finite");
        }
        String s = Double.toString(v);
        if (s.endsWith(".0")) {
            s = s.substring(0, s.length() - 2);
        }
        for (int digits = 15; s.length() > DS_CHARS; digits--) {
            s = new BigDecimal(v).round(new MathContext(digits)).stripTrailingZeros().toString();
        }
        return s;
    }

    private void value(int tag, Vr vr, byte[] v, int length, byte padding) throws IOException {
        boolean odd = (length & 1) == 1;
        header(tag, vr, length + (odd ? 1 : 0));
        out.write(v, 0, length);
        if (odd) {
            out.write(padding);
        }
    }

    private void header(int tag, Vr vr, long length) throws IOException {
        int[] last = lastTags.peek();
        if (last == IN_SEQUENCE) {
            throw new IllegalStateException(DicomTag.format(tag) + " directly in a sequence, outside an item");
        }
        if (Integer.compareUnsigned(tag, last[0]) <= 0 && last[0] != -1) {
            throw new IllegalStateException(DicomTag.format(tag) + " after " + DicomTag.format(last[0]));
        }
        last[0] = tag;
        writeTag(tag);
        String name = vr.name();
        header[0] = (byte) name.charAt(0);
        header[1] = (byte) name.charAt(1);
        if (vr.longLength()) {
            header[2] = 0;
            header[3] = 0;
            putInt(header, 4, (int) length);
            out.write(header, 0, 8);
        } else {
            if (length > 0xFFFF) {
                throw new IllegalArgumentException(DicomTag.format(tag) + " " + vr + " value of " + length
                        + " bytes does not fit a 16-bit length");
            }
            header[2] = (byte) length;
            header[3] = (byte) (length >>> 8);
            out.write(header, 0, 4);
        }
    }

    private void delimit(int tag) throws IOException {
        writeTag(tag);
        putInt(header, 0, 0);
        out.write(header, 0, 4);
    }

    private void writeTag(int tag) throws IOException {
        out.write(tag >>> 16);
        out.write(tag >>> 24);
        out.write(tag);
        out.write(tag >>> 8);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }
}
