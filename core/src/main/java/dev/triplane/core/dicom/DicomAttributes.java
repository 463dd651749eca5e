package dev.triplane.core.dicom;

import dev.triplane.core.events.Reason;
import dev.triplane.core.volume.InvalidVolumeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * The values of the {@link DicomTag}s found at the top level of one data set, as raw bytes in the file's byte
 * order, decoded on request by their VR. Errors name the object and the tag.
 */
public final class DicomAttributes {

    private final String object;
    private final ByteOrder order;
    private final Map<DicomTag, byte[]> values = new EnumMap<>(DicomTag.class);

    DicomAttributes(String object, ByteOrder order) {
        this.object = object;
        this.order = order;
    }

    void put(DicomTag tag, byte[] value) {
        values.put(tag, value);
    }

    public boolean has(DicomTag tag) {
        return values.containsKey(tag);
    }

    /** A text value without its padding (trailing spaces or NUL, leading spaces), or null when absent. */
    public String string(DicomTag tag) {
        byte[] v = values.get(tag);
        if (v == null) {
            return null;
        }
        int end = v.length;
        while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == 0)) {
            end--;
        }
        int start = 0;
        while (start < end && v[start] == ' ') {
            start++;
        }
        return new String(v, start, end - start, StandardCharsets.ISO_8859_1);
    }

    /** A text value that must be present. */
    public String requireString(DicomTag tag) {
        String s = string(tag);
        if (s == null || s.isEmpty()) {
            throw missing(tag);
        }
        return s;
    }

    /**
     * The numbers of a DS or IS value ({@code \}-separated), or null when absent or empty.
     *
     * @throws InvalidVolumeException {@link Reason#BAD_HEADER} for text that is not a finite number
     */
    public double[] decimals(DicomTag tag) {
        String s = string(tag);
        if (s == null || s.isEmpty()) {
            return null;
        }
        String[] parts = s.split("\\\\", -1);
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                out[i] = Double.NaN;
            }
            if (!Double.isFinite(out[i])) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, tag + " value '" + s + "' is not numeric");
            }
        }
        return out;
    }

    /** {@code count} numbers of a DS or IS value that must be present. */
    public double[] requireDecimals(DicomTag tag, int count) {
        double[] v = decimals(tag);
        if (v == null) {
            throw missing(tag);
        }
        if (v.length != count) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                    tag + " has " + v.length + " values, expected " + count);
        }
        return v;
    }

    /** A single DS or IS number, or {@code fallback} when absent. */
    public double decimal(DicomTag tag, double fallback) {
        double[] v = decimals(tag);
        return v == null ? fallback : v[0];
    }

    /** An unsigned short (US) value, or {@code fallback} when absent. */
    public int unsignedShort(DicomTag tag, int fallback) {
        byte[] v = values.get(tag);
        if (v == null) {
            return fallback;
        }
        if (v.length < 2) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER, tag + " has " + v.length + " bytes, not a US");
        }
        return ByteBuffer.wrap(v).order(order).getShort() & 0xFFFF;
    }

    /** A US value that must be present. */
    public int requireUnsignedShort(DicomTag tag) {
        if (!has(tag)) {
            throw missing(tag);
        }
        return unsignedShort(tag, 0);
    }

    private InvalidVolumeException missing(DicomTag tag) {
        return new InvalidVolumeException(object, Reason.BAD_HEADER, "no " + tag);
    }
}
