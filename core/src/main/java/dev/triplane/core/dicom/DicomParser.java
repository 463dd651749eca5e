package dev.triplane.core.dicom;

import dev.triplane.core.events.Reason;
import dev.triplane.core.nifti.InflateLimitStream;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * Parses one DICOM Part 10 stream (PS3.10 section 7): the 128-byte preamble and {@code DICM}, the file meta
 * information (group 0002, explicit VR little endian), then the data set in its {@link TransferSyntax}. Keeps the
 * top-level values of the {@link DicomTag}s and the pixel data; every other element, sequence (defined or
 * undefined length, nested up to {@link #MAX_DEPTH}) and item is skipped by reading through it, so a length that
 * runs past the end of the file is {@link Reason#TRUNCATED}, never an allocation. A kept value may be at most
 * {@link #MAX_VALUE_BYTES}; pixel data is allocated only once its size matches Rows x Columns x BitsAllocated and
 * fits {@link ReadLimits#maxVoxelBytes()}; a deflated data set inflates to at most
 * {@link ReadLimits#maxInflatedBytes()}; JPEG Lossless fragments may total at most twice the native size before
 * {@link JpegLossless} decodes them. Not thread-safe: one parser per stream.
 */
final class DicomParser {

    static final int MAX_VALUE_BYTES = 1 << 16;
    static final int MAX_DEPTH = 16;

    private static final long UNDEFINED = 0xFFFF_FFFFL;
    private static final int CHUNK_BYTES = 1 << 20;

    private final ReadLimits limits;
    private final String object;
    private final byte[] scratch = new byte[8192];
    private InputStream in;
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    private TransferSyntax syntax;

    DicomParser(ReadLimits limits, String object) {
        this.limits = limits;
        this.object = object;
    }

    /**
     * Reads the stream (closing it); {@code pixels} false stops at the pixel data. An instance without pixel data
     * (a DICOMDIR, a report) has null pixels.
     */
    DicomInstance parse(InputStream raw, boolean pixels) {
        try (BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16)) {
            in = buffered;
            byte[] prefix = buffered.readNBytes(132);
            if (!DicomSeriesReader.isPart10Prefix(prefix)) {
                throw new InvalidVolumeException(object, Reason.BAD_MAGIC,
                        "no 'DICM' after a 128-byte preamble: not a DICOM Part 10 file");
            }
            String uid = metaTransferSyntax(buffered);
            syntax = TransferSyntax.of(uid);
            if (syntax == null) {
                throw new InvalidVolumeException(object, Reason.DICOM_UNSUPPORTED_SYNTAX, "transfer syntax "
                        + TransferSyntax.describe(uid) + " is not decoded; the reader takes "
                        + java.util.Arrays.stream(TransferSyntax.values()).map(TransferSyntax::uid).toList());
            }
            order = syntax.order();
            if (syntax.deflated()) {
                in = new InflateLimitStream(new InflaterInputStream(buffered, new Inflater(true), 1 << 16),
                        limits.maxInflatedBytes(), object);
            }
            DicomAttributes attributes = new DicomAttributes(object, order);
            Pixels found = dataSet(syntax.explicitVr(), attributes, pixels);
            return new DicomInstance(object, syntax, attributes, found == null ? null : found.values,
                    found != null && found.unsigned);
        } catch (EOFException e) {
            throw new InvalidVolumeException(object, Reason.TRUNCATED, "file ends early: " + e.getMessage(), e);
        } catch (ZipException e) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER, "deflated data set: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidVolumeException(object, Reason.IO_ERROR, e.toString(), e);
        }
    }

    private record Pixels(short[] values, boolean unsigned) {}

    /** Reads group 0002 (explicit VR little endian) and leaves the stream at the first element after it. */
    private String metaTransferSyntax(BufferedInputStream buffered) throws IOException {
        DicomAttributes meta = new DicomAttributes(object, ByteOrder.LITTLE_ENDIAN);
        long metaBytes = 0;
        while (true) {
            buffered.mark(2);
            int b0 = buffered.read();
            int b1 = buffered.read();
            buffered.reset();
            if (b1 < 0 || (b0 | b1 << 8) != 0x0002) {
                break;
            }
            Element e = element(true);
            if (e.length == UNDEFINED || e.length > MAX_VALUE_BYTES || (metaBytes += e.length) > MAX_VALUE_BYTES) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                        "file meta element " + DicomTag.format(e.tag) + " has length " + e.length);
            }
            byte[] value = readValue(e.length);
            if (e.tag == DicomTag.TRANSFER_SYNTAX_UID.tag()) {
                meta.put(DicomTag.TRANSFER_SYNTAX_UID, value);
            }
        }
        return meta.requireString(DicomTag.TRANSFER_SYNTAX_UID);
    }

    /** An element header: tag, VR (null where the encoding gives none) and value length. */
    private record Element(int tag, Vr vr, long length) {}

    /** The next element header, or null at the clean end of the stream. */
    private Element elementOrEnd(boolean explicit) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        int second = in.read();
        if (second < 0) {
            throw new EOFException("inside a tag");
        }
        int group = order == ByteOrder.LITTLE_ENDIAN ? first | second << 8 : first << 8 | second;
        return elementAfterGroup(group, explicit);
    }

    private Element element(boolean explicit) throws IOException {
        Element e = elementOrEnd(explicit);
        if (e == null) {
            throw new EOFException("before an element");
        }
        return e;
    }

    private Element elementAfterGroup(int group, boolean explicit) throws IOException {
        int tag = group << 16 | u16();
        if (group == 0xFFFE) {
            return new Element(tag, null, u32());
        }
        if (!explicit) {
            DicomTag known = DicomTag.of(tag);
            return new Element(tag, known == null ? null : known.vr(), u32());
        }
        int c0 = in.read();
        int c1 = in.read();
        Vr vr = Vr.of(c0, c1);
        if (vr == null) {
            if (c1 < 0) {
                throw new EOFException("inside the VR of " + DicomTag.format(tag));
            }
            throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                    "element " + DicomTag.format(tag) + " has no valid VR (bytes " + c0 + ", " + c1 + ")");
        }
        if (vr.longLength()) {
            u16(); // reserved
            return new Element(tag, vr, u32());
        }
        return new Element(tag, vr, u16());
    }

    /**
     * The top-level data set: keeps listed values, reads the pixel data when asked and stops there (or before
     * it); returns the pixels, or null.
     */
    private Pixels dataSet(boolean explicit, DicomAttributes attributes, boolean pixels) throws IOException {
        Element e;
        while ((e = elementOrEnd(explicit)) != null) {
            if (e.tag >>> 16 == 0xFFFE) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "item tag " + DicomTag.format(e.tag)
                        + " outside a sequence");
            }
            if (e.tag == DicomTag.PIXEL_DATA.tag()) {
                if ((e.length == UNDEFINED) != syntax.jpegLossless()) {
                    throw new InvalidVolumeException(object, Reason.BAD_HEADER, (e.length == UNDEFINED
                            ? "encapsulated pixel data in the uncompressed transfer syntax "
                            : "native pixel data in the compressed transfer syntax ") + syntax.uid());
                }
                if (!pixels) {
                    return null;
                }
                return syntax.jpegLossless() ? jpegLossless(explicit, attributes) : pixels(e, attributes);
            }
            if (e.length == UNDEFINED) {
                skipUndefined(e, explicit, 1);
                continue;
            }
            DicomTag known = DicomTag.of(e.tag);
            if (known == null) {
                skip(e.length);
                continue;
            }
            if (e.length > MAX_VALUE_BYTES) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                        known + " has length " + e.length + ", more than " + MAX_VALUE_BYTES);
            }
            attributes.put(known, readValue(e.length));
        }
        return null;
    }

    /** Skips the value of an undefined-length element: a sequence, or UN holding one (encoded implicit VR). */
    private void skipUndefined(Element e, boolean explicit, int depth) throws IOException {
        if (e.vr != null && e.vr != Vr.SQ && e.vr != Vr.UN && e.tag != DicomTag.PIXEL_DATA.tag()) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                    DicomTag.format(e.tag) + " " + e.vr + " has an undefined length");
        }
        skipSequence(e.vr == Vr.UN ? false : explicit, depth);
    }

    /** Skips items up to the sequence delimitation (also the fragments of encapsulated pixel data). */
    private void skipSequence(boolean explicit, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER, "sequences nested deeper than " + MAX_DEPTH);
        }
        while (true) {
            Element item = element(explicit);
            if (item.tag == DicomTag.SEQUENCE_DELIMITATION) {
                return;
            }
            if (item.tag != DicomTag.ITEM) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                        "expected an item in a sequence, found " + DicomTag.format(item.tag));
            }
            if (item.length == UNDEFINED) {
                skipItem(explicit, depth);
            } else {
                skip(item.length);
            }
        }
    }

    /** Skips the elements of an undefined-length item up to its item delimitation. */
    private void skipItem(boolean explicit, int depth) throws IOException {
        while (true) {
            Element e = element(explicit);
            if (e.tag == DicomTag.ITEM_DELIMITATION) {
                return;
            }
            if (e.length == UNDEFINED) {
                skipUndefined(e, explicit, depth + 1);
            } else {
                skip(e.length);
            }
        }
    }

    /** The pixel module of an image, checked: one sample of 8 or 16 bits, one frame, within the voxel limit. */
    private record Module(int rows, int columns, int bits, int stored, boolean signed, long bytes) {}

    private Module module(DicomAttributes a) {
        int rows = a.requireUnsignedShort(DicomTag.ROWS);
        int columns = a.requireUnsignedShort(DicomTag.COLUMNS);
        int bits = a.requireUnsignedShort(DicomTag.BITS_ALLOCATED);
        int stored = a.unsignedShort(DicomTag.BITS_STORED, bits);
        int samples = a.unsignedShort(DicomTag.SAMPLES_PER_PIXEL, 1);
        boolean signed = a.unsignedShort(DicomTag.PIXEL_REPRESENTATION, 0) == 1;
        double frames = a.decimal(DicomTag.NUMBER_OF_FRAMES, 1);
        if (samples != 1) {
            throw new InvalidVolumeException(object, Reason.UNSUPPORTED_DATATYPE, samples + " samples per pixel ("
                    + a.string(DicomTag.PHOTOMETRIC_INTERPRETATION) + "); CT is one sample (MONOCHROME2)");
        }
        if (bits != 8 && bits != 16 || stored < 1 || stored > bits) {
            throw new InvalidVolumeException(object, Reason.UNSUPPORTED_DATATYPE,
                    "BitsAllocated " + bits + ", BitsStored " + stored + "; the reader takes 8 or 16 bits allocated");
        }
        if (frames != 1) {
            throw new InvalidVolumeException(object, Reason.BAD_DIMENSIONS,
                    "NumberOfFrames " + frames + ": multi-frame images are not read, one file per slice is");
        }
        if (rows == 0 || columns == 0) {
            throw new InvalidVolumeException(object, Reason.BAD_DIMENSIONS, "Rows " + rows + ", Columns " + columns);
        }
        int bytesPerPixel = bits / 8;
        long count = (long) rows * columns;
        long bytes = count * bytesPerPixel;
        if (bytes > limits.maxVoxelBytes()) {
            throw new InvalidVolumeException(object, Reason.TOO_LARGE, rows + "x" + columns + " of " + bits
                    + "-bit pixels need " + bytes + " bytes, limit " + limits.maxVoxelBytes());
        }
        return new Module(rows, columns, bits, stored, signed, bytes);
    }

    /** Checks the pixel attributes and the data length against them and the limits, then reads one frame. */
    private Pixels pixels(Element e, DicomAttributes a) throws IOException {
        Module m = module(a);
        int rows = m.rows;
        int columns = m.columns;
        int bits = m.bits;
        long bytes = m.bytes;
        long count = (long) rows * columns;
        // one pad byte may make an odd length even
        if (e.length != bytes && e.length != bytes + (bytes & 1)) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER, "pixel data has " + e.length
                    + " bytes, " + rows + "x" + columns + " pixels of " + bits + " bits need " + bytes);
        }
        short[] values;
        try {
            values = new short[(int) count];
        } catch (OutOfMemoryError oom) {
            throw new InvalidVolumeException(object, Reason.RESOURCE_LIMIT,
                    rows + "x" + columns + " pixels are more than this service's heap holds", oom);
        }
        boolean swapBytes = bits == 8 && e.vr == Vr.OW && order == ByteOrder.BIG_ENDIAN;
        byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, bytes)];
        int at = 0;
        for (long done = 0; done < bytes; ) {
            int want = (int) Math.min(chunk.length, bytes - done);
            if (in.readNBytes(chunk, 0, want) < want) {
                throw new EOFException("pixel data ends before its " + bytes + " bytes");
            }
            if (bits == 16) {
                ShortBuffer words = ByteBuffer.wrap(chunk, 0, want).order(order).asShortBuffer();
                int n = words.remaining();
                words.get(values, at, n);
                at += n;
            } else {
                for (int i = 0; i < want; i++) {
                    // OW words of 8-bit pixels are byte-swapped in big endian
                    values[at++] = chunk[swapBytes ? i ^ 1 : i];
                }
            }
            done += want;
        }
        applyBitsStored(values, bits, m.stored, m.signed);
        return new Pixels(values, !m.signed && bits == 16);
    }

    /**
     * Reads the fragments of encapsulated pixel data (after the Basic Offset Table item) as one JPEG Lossless
     * stream of one frame, at most twice the native size (lossless JPEG of noise is a little larger than its
     * input), and decodes it.
     */
    private Pixels jpegLossless(boolean explicit, DicomAttributes a) throws IOException {
        Module m = module(a);
        long cap = 2 * m.bytes + (1 << 16);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        boolean offsetTable = true;
        while (true) {
            Element item = element(explicit);
            if (item.tag == DicomTag.SEQUENCE_DELIMITATION) {
                break;
            }
            if (item.tag != DicomTag.ITEM || item.length == UNDEFINED) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                        "expected a pixel data fragment, found " + DicomTag.format(item.tag) + " of length "
                                + item.length);
            }
            if (offsetTable) {
                skip(item.length);
                offsetTable = false;
                continue;
            }
            if (stream.size() + item.length > cap) {
                throw new InvalidVolumeException(object, Reason.TOO_LARGE, "compressed fragments pass " + cap
                        + " bytes for " + m.rows + "x" + m.columns + " pixels");
            }
            stream.write(readValue(item.length));
        }
        short[] values = JpegLossless.decode(stream.toByteArray(), m.rows, m.columns, object);
        applyBitsStored(values, m.bits, m.stored, m.signed);
        return new Pixels(values, !m.signed && m.bits == 16);
    }

    /**
     * Keeps the low {@code stored} bits of each pixel, sign-extended when signed (as pydicom and dcm2niix do); 8-bit
     * values end up as their numbers, 16-bit unsigned ones keep their bits.
     */
    private static void applyBitsStored(short[] values, int bits, int stored, boolean signed) {
        if (stored == 16 && bits == 16) {
            return;
        }
        int shift = 32 - stored;
        for (int i = 0; i < values.length; i++) {
            int v = values[i] << shift;
            values[i] = (short) (signed ? v >> shift : v >>> shift);
        }
    }

    private byte[] readValue(long length) throws IOException {
        byte[] value = in.readNBytes((int) length);
        if (value.length < length) {
            throw new EOFException("a value ends after " + value.length + " of " + length + " bytes");
        }
        return value;
    }

    /** Reads through {@code length} bytes, so a length beyond the end of the file fails as truncated. */
    private void skip(long length) throws IOException {
        for (long left = length; left > 0; ) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            if (n < 0) {
                throw new EOFException("an element of " + length + " bytes ends after " + (length - left));
            }
            left -= n;
        }
    }

    private int u16() throws IOException {
        int b0 = in.read();
        int b1 = in.read();
        if (b1 < 0) {
            throw new EOFException("inside an element header");
        }
        return order == ByteOrder.LITTLE_ENDIAN ? b0 | b1 << 8 : b0 << 8 | b1;
    }

    private long u32() throws IOException {
        long lo = u16();
        long hi = u16();
        return order == ByteOrder.LITTLE_ENDIAN ? lo | hi << 16 : lo << 16 | hi;
    }
}
