package dev.triplane.core.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.events.Reason;
import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and damaged files: lengths far beyond the file, the limits or the heap are refused from the header
 * (nothing of that size is allocated), nesting and inflation are bounded, every failure carries its reason.
 */
class DicomBadInputTest {

    private static final String EXPLICIT_LE = "1.2.840.10008.1.2.1";
    private static final String IMPLICIT_LE = "1.2.840.10008.1.2";
    private static final String DEFLATED = "1.2.840.10008.1.2.1.99";
    private static final String JPEG_LOSSLESS = "1.2.840.10008.1.2.4.57";

    private final DicomSeriesReader reader = new DicomSeriesReader(ReadLimits.defaults());

    @Test
    void aFileWithoutThePart10PrefixIsBadMagic() {
        expect(Reason.BAD_MAGIC, () -> read(reader, "not a DICOM file at all".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aSkippedElementLongerThanTheFileIsTruncatedNotAllocated() {
        Bytes b = part10(EXPLICIT_LE).explicit(0x0009_1010, "OB", new byte[16]);
        b.tagLe(0x0009_1011).ascii("OB").u16(0).u32(0xFFFF_FFF0L).raw(new byte[100]);
        expect(Reason.TRUNCATED, () -> read(reader, b.bytes()));
    }

    @Test
    void aKeptValueOfHugeLengthIsRefusedFromItsHeader() {
        Bytes b = part10(IMPLICIT_LE);
        b.tagLe(0x0020_0032).u32(0x7FFF_FFF0L).raw(new byte[64]);
        expect(Reason.BAD_HEADER, () -> read(reader, b.bytes()));
    }

    @Test
    void pixelDataBeyondTheVoxelLimitIsTooLarge() {
        byte[] file = image(40000, 40000, 40000L * 40000 * 2).bytes();
        expect(Reason.TOO_LARGE, () -> read(reader, file));
        byte[] small = image(1024, 1024, 1024L * 1024 * 2).bytes();
        expect(Reason.TOO_LARGE, () -> read(new DicomSeriesReader(new ReadLimits(1 << 20, 1 << 20)), small));
    }

    @Test
    void pixelDataThatDoesNotMatchRowsAndColumnsIsBadHeader() {
        expect(Reason.BAD_HEADER, () -> read(reader, image(4, 4, 30).raw(new byte[30]).bytes()));
    }

    @Test
    void pixelDataEndingEarlyIsTruncated() {
        expect(Reason.TRUNCATED, () -> read(reader, image(4, 4, 32).raw(new byte[20]).bytes()));
    }

    @Test
    void aJpegLosslessFragmentBeyondTwiceTheImageIsRefusedBeforeItIsRead() {
        Bytes b = encapsulated(4, 4);
        b.tagLe(DicomTag.ITEM).u32(0); // empty Basic Offset Table
        b.tagLe(DicomTag.ITEM).u32(0x7FFF_FFF0L).raw(new byte[64]);
        expect(Reason.TOO_LARGE, () -> read(reader, b.bytes()));
    }

    @Test
    void aJpegLosslessFragmentThatDoesNotDecodeIsBadHeader() {
        Bytes b = encapsulated(4, 4);
        b.tagLe(DicomTag.ITEM).u32(0);
        byte[] garbage = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC3, 0, 11, 12, 0, 4, 0, 4, 1, 0, 0};
        b.tagLe(DicomTag.ITEM).u32(garbage.length).raw(garbage);
        b.tagLe(DicomTag.SEQUENCE_DELIMITATION).u32(0);
        expect(Reason.BAD_HEADER, () -> read(reader, b.bytes()));
    }

    @Test
    void deeplyNestedSequencesAreRefused() {
        Bytes b = part10(EXPLICIT_LE);
        for (int d = 0; d < 1000; d++) {
            b.tagLe(0x0008_1115).ascii("SQ").u16(0).u32(0xFFFF_FFFFL); // sequence of undefined length
            b.tagLe(DicomTag.ITEM).u32(0xFFFF_FFFFL); // item of undefined length
        }
        expect(Reason.BAD_HEADER, () -> read(reader, b.bytes()));
    }

    @Test
    void anUnclosedSequenceIsTruncated() {
        Bytes b = part10(EXPLICIT_LE);
        b.tagLe(0x0008_1115).ascii("SQ").u16(0).u32(0xFFFF_FFFFL);
        b.tagLe(DicomTag.ITEM).u32(0xFFFF_FFFFL);
        b.explicit(0x0008_0100, "SH", "T1".getBytes(StandardCharsets.US_ASCII));
        expect(Reason.TRUNCATED, () -> read(reader, b.bytes()));
    }

    @Test
    void aDeflatedDataSetInflatesOnlyUpToTheLimit() throws IOException {
        ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        try (DeflaterOutputStream out = new DeflaterOutputStream(deflated, new Deflater(9, true))) {
            Bytes inner = new Bytes();
            inner.tagLe(0x0009_1010).ascii("OB").u16(0).u32(8L << 20).raw(new byte[8 << 20]);
            out.write(inner.bytes());
        }
        byte[] file = part10(DEFLATED).raw(deflated.toByteArray()).bytes();
        assertThat(file.length).isLessThan(64 << 10);
        expect(Reason.INFLATE_LIMIT, () -> read(new DicomSeriesReader(new ReadLimits(1 << 20, 1 << 20)), file));
    }

    @Test
    void aCutFileOfTheFixturesIsTruncated(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.of("dicom").file("series/axial_lps/IM0000"));
        Path cut = Files.write(dir.resolve("IM0000"), Arrays.copyOf(whole, whole.length - 100));
        expect(Reason.TRUNCATED, () -> reader.read(cut));
    }

    @Test
    void otherFilesInASeriesFolderAreIgnoredAndAnEmptyFolderIsBadMagic(@TempDir Path dir) throws IOException {
        expect(Reason.BAD_MAGIC, () -> reader.read(dir));
        Path source = Fixtures.of("dicom").file("series/axial_lps");
        try (var files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName().toString() + ".dcm"));
            }
        }
        Files.writeString(dir.resolve("README.txt"), "exported by a viewer");
        DicomSeries series = reader.read(dir);
        assertThat(series.grid().nz()).isEqualTo(8);
        assertThat(series.ignored()).containsExactly(dir.resolve("README.txt").toString());
    }

    private static void expect(Reason reason, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidVolumeException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }

    private static DicomInstance read(DicomSeriesReader reader, byte[] file) {
        return reader.readInstance(new ByteArrayInputStream(file), "hostile.dcm");
    }

    /** A CT header of rows x columns 16-bit pixels up to the pixel data element of the given length. */
    private static Bytes image(int rows, int columns, long pixelBytes) {
        Bytes b = part10(EXPLICIT_LE);
        b.explicit(0x0028_0002, "US", us(1)).explicit(0x0028_0010, "US", us(rows))
                .explicit(0x0028_0011, "US", us(columns)).explicit(0x0028_0100, "US", us(16))
                .explicit(0x0028_0101, "US", us(16)).explicit(0x0028_0103, "US", us(1));
        b.tagLe(DicomTag.PIXEL_DATA.tag()).ascii("OW").u16(0).u32(pixelBytes);
        return b;
    }

    /** A JPEG Lossless CT header of rows x columns 16-bit pixels up to its undefined-length pixel data. */
    private static Bytes encapsulated(int rows, int columns) {
        Bytes b = part10(JPEG_LOSSLESS);
        b.explicit(0x0028_0002, "US", us(1)).explicit(0x0028_0010, "US", us(rows))
                .explicit(0x0028_0011, "US", us(columns)).explicit(0x0028_0100, "US", us(16))
                .explicit(0x0028_0101, "US", us(12)).explicit(0x0028_0103, "US", us(0));
        return b.tagLe(DicomTag.PIXEL_DATA.tag()).ascii("OB").u16(0).u32(0xFFFF_FFFFL);
    }

    private static byte[] us(int v) {
        return ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array();
    }

    /** Preamble, DICM and a file meta group naming the transfer syntax. */
    private static Bytes part10(String syntax) {
        Bytes b = new Bytes().raw(new byte[128]).ascii("DICM");
        byte[] uid = (syntax + (syntax.length() % 2 == 1 ? "\0" : "")).getBytes(StandardCharsets.US_ASCII);
        return b.explicit(DicomTag.TRANSFER_SYNTAX_UID.tag(), "UI", uid);
    }

    /** Little-endian bytes of a hand-made file. */
    private static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Bytes ascii(String s) {
            return raw(s.getBytes(StandardCharsets.US_ASCII));
        }

        Bytes u16(int v) {
            return raw(new byte[] {(byte) v, (byte) (v >>> 8)});
        }

        Bytes u32(long v) {
            return u16((int) (v & 0xFFFF)).u16((int) (v >>> 16));
        }

        Bytes tagLe(int tag) {
            return u16(tag >>> 16).u16(tag & 0xFFFF);
        }

        /** An explicit VR little-endian element with a 16-bit length. */
        Bytes explicit(int tag, String vr, byte[] value) {
            tagLe(tag).ascii(vr);
            if (vr.equals("OB")) {
                return u16(0).u32(value.length).raw(value);
            }
            return u16(value.length).raw(value);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
