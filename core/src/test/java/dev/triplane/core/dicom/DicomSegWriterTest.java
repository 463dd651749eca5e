package dev.triplane.core.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import com.sun.management.ThreadMXBean;
import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SEG writer against the reference tools and its own parser. The SEGs of four fixture series (axial LPS,
 * reversed slices, coronal, oblique) with small label volumes were checked by {@code tools/dicom/seg_check.py}:
 * highdicom reads back exactly these labels, the frame geometry is the source images' and {@code dciodvfy} reports
 * no error; its verdict holds each checked file's SHA-256. The writer must still write those bytes, so a change to it
 * fails here until the SEGs are rewritten and checked again:
 * <pre>
 * mvn -B -o -q -pl core test -Dtest=DicomSegWriterTest -Dsurefire.failIfNoSpecifiedTests=false -Ddicom.seg.update=true
 * tools/.venv/bin/python tools/dicom/seg_check.py
 * </pre>
 */
class DicomSegWriterTest {

    static final String UPDATE_COMMAND = "mvn -B -o -q -pl core test -Dtest=DicomSegWriterTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Ddicom.seg.update=true, then tools/dicom/seg_check.py";
    private static final Path SEG_DIR = Path.of("src/test/resources/fixtures/dicom/seg");
    private static final DicomSegWriter WRITER = new DicomSegWriter(SegmentCodes.totalSegmentatorV2(),
            new DicomSegWriter.Equipment("1.0-test", "sam2-micro"));
    /** Not in TotalSegmentator's table: coded as a generic structure. */
    private static final int UNLISTED = 500;

    private static DicomSeries series(String name) {
        return new DicomSeriesReader(ReadLimits.defaults()).read(Fixtures.of("dicom").file("series/" + name));
    }

    /**
     * Small structures on a fixture grid: a box (spleen) on slices 1-4, an ellipsoid (liver), one slice of the left
     * kidney touching the liver, and two voxels of a structure outside TotalSegmentator's table; slices where a
     * structure is absent give no frame.
     */
    static LabelVolume labels(Grid g) {
        int[] v = new int[g.voxelCount()];
        for (int k = 0; k < g.nz(); k++) {
            for (int j = 0; j < g.ny(); j++) {
                for (int i = 0; i < g.nx(); i++) {
                    double di = (i - 10) / 4.0;
                    double dj = (j - 6) / 3.0;
                    double dk = (k - 4) / 2.5;
                    int label = 0;
                    if (i >= 2 && i <= 6 && j >= 3 && j <= 7 && k >= 1 && k <= 4) {
                        label = 1;
                    } else if (di * di + dj * dj + dk * dk <= 1) {
                        label = 5;
                    } else if (i >= 12 && j <= 3 && k == 6) {
                        label = 3;
                    }
                    v[g.index(i, j, k)] = label;
                }
            }
        }
        v[g.index(0, 0, g.nz() - 1)] = UNLISTED;
        v[g.index(1, 0, g.nz() - 1)] = UNLISTED;
        return new LabelVolume(g, v);
    }

    private static byte[] seg(DicomSeries series, LabelVolume labels, String seed) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WRITER.write(out, labels, DicomSegWriter.layout(labels), DicomSource.of(series), seed);
        return out.toByteArray();
    }

    /**
     * Every structure of TotalSegmentator's table on the axial series (each a run of voxels), with a patient and
     * study in full in a non-ASCII character set: all 117 segments' codes go through dciodvfy.
     */
    static final String ALL_STRUCTURES = "all_structures";

    static LabelVolume allStructures(Grid g) {
        int[] v = new int[g.voxelCount()];
        for (int p = 0; p < v.length; p++) {
            v[p] = p / 13 + 1 <= 117 ? p / 13 + 1 : 0;
        }
        return new LabelVolume(g, v);
    }

    static DicomSource withFullPatientAndStudy(DicomSource s) {
        Map<String, String> ps = new LinkedHashMap<>();
        ps.put("SPECIFIC_CHARACTER_SET", "ISO_IR 100");
        ps.put("PATIENT_NAME", "M\u00fcller^Anna");
        ps.put("PATIENT_ID", "FIXTURE");
        ps.put("PATIENT_BIRTH_DATE", "19600101");
        ps.put("PATIENT_SEX", "F");
        ps.put("STUDY_INSTANCE_UID", s.studyInstanceUid());
        ps.put("STUDY_DATE", "20260102");
        ps.put("STUDY_TIME", "101010.5");
        ps.put("REFERRING_PHYSICIAN_NAME", "Doe^John");
        ps.put("STUDY_ID", "S1");
        ps.put("ACCESSION_NUMBER", "A1");
        ps.put("STUDY_DESCRIPTION", "CT abdomen");
        return new DicomSource(s.version(), s.studyInstanceUid(), s.seriesInstanceUid(), s.frameOfReferenceUid(),
                s.rows(), s.columns(), s.instances(), ps);
    }

    @ParameterizedTest
    @ValueSource(strings = {"axial_lps", "reversed_slices", "coronal", "oblique_rescale", ALL_STRUCTURES})
    void writesTheBytesTheReferenceToolsChecked(String name) throws IOException {
        boolean all = name.equals(ALL_STRUCTURES);
        DicomSeries series = series(all ? "axial_lps" : name);
        LabelVolume labels = all ? allStructures(series.grid()) : labels(series.grid());
        DicomSource source = all ? withFullPatientAndStudy(DicomSource.of(series)) : DicomSource.of(series);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WRITER.write(out, labels, DicomSegWriter.layout(labels), source, "fixture/" + name);
        byte[] seg = out.toByteArray();
        if (Boolean.getBoolean("dicom.seg.update")) {
            Files.createDirectories(SEG_DIR);
            Files.write(SEG_DIR.resolve(name + ".dcm"), seg);
            ByteBuffer raw = ByteBuffer.allocate(2 * labels.labels().length).order(ByteOrder.LITTLE_ENDIAN);
            for (int l : labels.labels()) {
                raw.putShort((short) l);
            }
            Files.write(SEG_DIR.resolve(name + "-labels.raw"), raw.array());
            return;
        }
        Fixtures fixtures = Fixtures.of("dicom");
        assertThat(seg).as("the SEG differs from the checked one: rerun " + UPDATE_COMMAND)
                .isEqualTo(Files.readAllBytes(fixtures.file("seg/" + name + ".dcm")));
        JsonNode verdict = JsonMapper.builder().build().readTree(fixtures.file("seg/verdict.json").toFile())
                .get("cases").get(name);
        assertThat(verdict.get("sha256").asString()).as("checked by seg_check.py: rerun " + UPDATE_COMMAND)
                .isEqualTo(sha256(seg));
        assertThat(verdict.get("labels_equal").asBoolean()).isTrue();
        assertThat(verdict.get("geometry_equal").asBoolean()).isTrue();
        assertThat(verdict.get("dciodvfy_errors")).isEmpty();
    }

    @Test
    void ourParserReadsTheSegBack() throws IOException {
        DicomSeries series = series("reversed_slices");
        LabelVolume labels = labels(series.grid());
        DicomSegWriter.Layout layout = DicomSegWriter.layout(labels);
        byte[] seg = seg(series, labels, "volume/request");

        DicomInstance read = new DicomParser(ReadLimits.defaults(), "seg").parse(new ByteArrayInputStream(seg), false);
        DicomAttributes a = read.attributes();
        assertThat(read.syntax()).isEqualTo(TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN);
        assertThat(a.string(DicomTag.SOP_CLASS_UID)).isEqualTo(DicomSegWriter.SEGMENTATION_STORAGE);
        assertThat(a.string(DicomTag.MODALITY)).isEqualTo("SEG");
        assertThat(a.string(DicomTag.STUDY_INSTANCE_UID)).isEqualTo(series.studyInstanceUid());
        assertThat(a.string(DicomTag.FRAME_OF_REFERENCE_UID)).isEqualTo(series.frameOfReferenceUid());
        assertThat(a.string(DicomTag.SERIES_INSTANCE_UID)).startsWith("2.25.").isNotEqualTo(series.seriesInstanceUid())
                .isEqualTo(DicomSegWriter.uid("volume/request/series"));
        assertThat(a.string(DicomTag.SOP_INSTANCE_UID)).isEqualTo(DicomSegWriter.uid("volume/request/sop-instance"));
        assertThat(a.string(DicomTag.PATIENT_NAME)).isEqualTo("Fixture^Dicom");
        assertThat(a.string(DicomTag.PATIENT_ID)).isEqualTo("FIXTURE");
        assertThat(a.requireUnsignedShort(DicomTag.ROWS)).isEqualTo(series.grid().ny());
        assertThat(a.requireUnsignedShort(DicomTag.COLUMNS)).isEqualTo(series.grid().nx());
        assertThat(a.requireUnsignedShort(DicomTag.BITS_ALLOCATED)).isEqualTo(1);
        // spleen on slices 1-4, liver on the slices its ellipsoid reaches, kidney on one, the unlisted id on one
        assertThat(layout.ids()).containsExactly(1, 3, 5, UNLISTED);
        int liverSlices = layout.slices().get(2 * 8, 3 * 8).cardinality();
        assertThat(liverSlices).isBetween(4, 7);
        assertThat(layout.frames()).isEqualTo(4 + 1 + liverSlices + 1);
        assertThat(a.decimal(DicomTag.NUMBER_OF_FRAMES, -1)).isEqualTo(layout.frames());

        // every source image is referenced (ReferencedSeriesSequence), the source series too
        String text = new String(seg, StandardCharsets.ISO_8859_1);
        assertThat(text).contains(series.seriesInstanceUid());
        for (DicomInstance s : series.slices()) {
            assertThat(text).contains(s.attributes().string(DicomTag.SOP_INSTANCE_UID));
        }
        // the pixel data ends the file: frames x rows x columns bits, padded to even
        long bits = (long) layout.frames() * series.grid().nx() * series.grid().ny();
        long bytes = (bits + 7) / 8;
        bytes += bytes & 1;
        int header = seg.length - (int) bytes;
        assertThat(ByteBuffer.wrap(seg, header - 12, 12).order(ByteOrder.LITTLE_ENDIAN).getInt())
                .isEqualTo(0x0010_7FE0);
        assertThat(ByteBuffer.wrap(seg, header - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo((int) bytes);
    }

    /**
     * Frames of 5 x 3 pixels (15 bits: frames after the first start inside a byte) are packed without gaps, the
     * first pixel of the SEG in the lowest bit: read back bit by bit, each frame is its structure's mask.
     */
    @Test
    void framesArePackedWithoutGapsWhenTheyDoNotFillBytes() throws IOException {
        Grid g = Grid.ofSpacing(5, 3, 4, 1, 1, 2);
        int[] v = new int[g.voxelCount()];
        for (int p = 0; p < v.length; p++) {
            v[p] = p % 3 == 0 ? 7 : p % 5 == 0 ? 2 : 0;
        }
        LabelVolume labels = new LabelVolume(g, v);
        List<DicomSource.Instance> images = new ArrayList<>();
        for (int k = 0; k < g.nz(); k++) {
            images.add(new DicomSource.Instance("1.2.840.10008.5.1.4.1.1.2", "1.2.3.4." + k));
        }
        DicomSource source = new DicomSource(DicomSource.CURRENT_VERSION, "1.2.3.1", "1.2.3.2", null, 3, 5, images,
                Map.of());
        DicomSegWriter.Layout layout = DicomSegWriter.layout(labels);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WRITER.write(out, labels, layout, source, "packing");
        byte[] seg = out.toByteArray();

        int slice = 15;
        long bits = (long) layout.frames() * slice;
        int start = seg.length - (int) ((bits + 7) / 8 + ((bits + 7) / 8 & 1));
        int frame = 0;
        for (int s = 0; s < layout.ids().size(); s++) {
            for (int k = 0; k < g.nz(); k++) {
                if (!layout.slices().get(s * g.nz() + k)) {
                    continue;
                }
                for (int p = 0; p < slice; p++) {
                    long bit = (long) frame * slice + p;
                    boolean set = (seg[start + (int) (bit / 8)] >> (bit % 8) & 1) == 1;
                    assertThat(set).as("frame %d pixel %d", frame, p)
                            .isEqualTo(v[k * slice + p] == layout.ids().get(s));
                }
                frame++;
            }
        }
        assertThat(frame).isEqualTo(2 * g.nz());
    }

    @Test
    void sameInputsSameBytesAnotherSeedOtherUids() throws IOException {
        DicomSeries series = series("axial_lps");
        LabelVolume labels = labels(series.grid());
        byte[] first = seg(series, labels, "a/b");
        assertThat(seg(series, labels, "a/b")).isEqualTo(first);
        byte[] other = seg(series, labels, "a/c");
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void refusesLabelsOffTheSourceGridAndAnEmptyResult() {
        DicomSeries series = series("axial_lps");
        Grid g = series.grid();
        LabelVolume wrong = new LabelVolume(Grid.ofSpacing(g.nx(), g.ny(), g.nz() + 1, 1, 1, 1),
                new int[g.nx() * g.ny() * (g.nz() + 1)]);
        assertThatThrownBy(() -> WRITER.write(new ByteArrayOutputStream(), wrong, DicomSegWriter.layout(wrong),
                DicomSource.of(series), "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not on the source's grid");
        LabelVolume empty = new LabelVolume(g, new int[g.voxelCount()]);
        assertThat(DicomSegWriter.layout(empty).isEmpty()).isTrue();
        assertThatThrownBy(() -> WRITER.write(new ByteArrayOutputStream(), empty, DicomSegWriter.layout(empty),
                DicomSource.of(series), "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no structure");
    }

    /**
     * 117 structures of 24x24 voxels over 10 slices each on 512x512x100: about 1170 frames, a SEG of some 38 MB,
     * written while allocating less than a quarter of it (frame items and text values, never a copy of the SEG).
     */
    @Test
    void aLargeSparseResultStreamsFrameByFrame() throws IOException {
        int nx = 512;
        int ny = 512;
        int nz = 100;
        Grid g = Grid.ofSpacing(nx, ny, nz, 0.8, 0.8, 1.5);
        int[] v = new int[g.voxelCount()];
        for (int id = 1; id <= 117; id++) {
            int i0 = id % 20 * 25;
            int j0 = id / 20 * 25;
            int k0 = id * 7 % (nz - 10);
            for (int k = k0; k < k0 + 10; k++) {
                for (int j = j0; j < j0 + 24; j++) {
                    Arrays.fill(v, g.index(i0, j, k), g.index(i0 + 24, j, k), id);
                }
            }
        }
        LabelVolume labels = new LabelVolume(g, v);
        List<DicomSource.Instance> instances = new ArrayList<>();
        for (int k = 0; k < nz; k++) {
            instances.add(new DicomSource.Instance("1.2.840.10008.5.1.4.1.1.2", "1.2.3.4." + k));
        }
        DicomSource source = new DicomSource(DicomSource.CURRENT_VERSION, "1.2.3.1", "1.2.3.2", "1.2.3.3", ny, nx,
                instances, Map.of());
        DicomSegWriter.Layout layout = DicomSegWriter.layout(labels);
        assertThat(layout.ids()).hasSize(117);
        assertThat(layout.frames()).isEqualTo(117 * 10);

        long[] written = {0};
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                written[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                written[0] += len;
            }
        };
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        try (OutputStream out = new BufferedOutputStream(counter, 1 << 16)) {
            WRITER.write(out, labels, layout, source, "large");
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        long pixelBytes = (long) layout.frames() * nx * ny / 8;
        assertThat(written[0]).isGreaterThan(pixelBytes);
        assertThat(allocated).as("bytes allocated writing a SEG of " + written[0]).isLessThan(written[0] / 4);
    }

    @Test
    void everyTotalSegmentatorStructureHasItsSnomedCodes() {
        SegmentCodes codes = SegmentCodes.totalSegmentatorV2();
        LabelTable table = LabelTable.totalSegmentatorV2();
        assertThat(codes.segments().keySet()).isEqualTo(table.names().keySet());
        table.names().forEach((id, name) -> {
            SegmentCodes.Segment s = codes.of(id);
            assertThat(s.label()).isEqualTo(name);
            assertThat(s.category().scheme()).isEqualTo("SCT");
            assertThat(s.type().scheme()).isEqualTo("SCT");
        });
        assertThat(codes.of(3).type().meaning()).isEqualTo("Kidney");
        assertThat(codes.of(3).typeModifier().meaning()).isEqualTo("Left");
        assertThat(codes.of(UNLISTED).label()).isEqualTo("structure " + UNLISTED);
    }

    @Test
    void decimalStringsFitSixteenCharacters() {
        for (double v : List.of(-0.7071067811865476, 1e-17, -123456.78901234567, 0.0, 2.5, -310.0, 1.0 / 3)) {
            String s = DicomEncoder.ds(v);
            assertThat(s.length()).as(s).isLessThanOrEqualTo(16);
            assertThat(Double.parseDouble(s)).isCloseTo(v, offset(Math.abs(v) * 1e-9 + 1e-12));
        }
        assertThat(DicomEncoder.ds(-310.0)).isEqualTo("-310");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
