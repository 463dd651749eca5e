package dev.triplane.core.dicom;

import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Writes a label volume on the grid of a DICOM series as a binary DICOM Segmentation (PS3.3 A.51, SOP class
 * 1.2.840.10008.5.1.4.1.1.66.4) in explicit VR little endian: one segment per structure present, coded by
 * {@link SegmentCodes}, one 1-bit frame per segment and source slice that holds any of its voxels (empty frames
 * are left out), frames ordered by segment, then slice. Each frame references its source image
 * (DerivationImageSequence) and carries its ImagePositionPatient; the orientation and pixel spacing are shared;
 * the dimension index is (ReferencedSegmentNumber, ImagePositionPatient). The SEG repeats the source's Patient and
 * General Study modules, joins its study and frame of reference, references the source series
 * (ReferencedSeriesSequence) and names TriPlane, its version and the model in the ContributingEquipmentSequence.
 *
 * <p>Hand-written because no maintained DICOM writer is published on Maven Central (dcm4che and PixelMed are not).
 * Streaming: {@link #layout} finds the frames in one pass over the labels (a bit per structure and slice), then
 * {@link #write} writes the header and the bit-packed frames straight to the stream (sequences of undefined length,
 * one frame at a time), so memory beyond the label array is a few kilobytes whatever the SEG's size.
 *
 * <p>Deterministic: UIDs are {@code 2.25.}-UIDs derived from a caller's seed, and ContentDate/ContentTime are the
 * source study's date and time ({@value #NO_DATE} and {@value #NO_TIME} when it has none), so the same labels,
 * source and seed give the same bytes.
 * The labels must be in the series' own voxel order (column i, row j, slice k of {@link DicomSource#instances()}),
 * as ingest keeps the canonical image of a DICOM series; the plane geometry comes from the grid's affine (RAS+,
 * written as DICOM's LPS).
 */
public final class DicomSegWriter {

    public static final String SEGMENTATION_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4";
    public static final String EXPLICIT_VR_LITTLE_ENDIAN = TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN.uid();
    /** Identifies the writer in the file meta information (PS3.7 D.3.3.2). */
    static final String IMPLEMENTATION_CLASS_UID = uid("dev.triplane/dicom-seg-writer");
    /** The SEG's SeriesNumber (Type 1 in the Segmentation Series module); distinct from common scanner numbers. */
    static final int SERIES_NUMBER = 9901;
    /** ContentDate/ContentTime (Type 1) when the source study has no date or time: the writer reads no clock. */
    static final String NO_DATE = "19700101";
    static final String NO_TIME = "000000";
    private static final int CHUNK_BYTES = 1 << 13;

    /**
     * What the SEG names as its maker.
     *
     * @param softwareVersion TriPlane's version
     * @param model the model that segmented (SegmentAlgorithmName and the equipment's model name)
     */
    public record Equipment(String softwareVersion, String model) {

        /**
         * This build of TriPlane (the version in the core jar's manifest; {@code development} when run from
         * classes, as in tests) running {@code model} ({@code unknown} when null).
         */
        public static Equipment thisBuild(String model) {
            String version = DicomSegWriter.class.getPackage().getImplementationVersion();
            return new Equipment(version != null ? version : "development", model != null ? model : "unknown");
        }
    }

    /**
     * The frames of a label volume, from one pass over it.
     *
     * @param ids the structures present, ascending (segment numbers 1, 2, ... in this order)
     * @param slices bit {@code s * nz + k} set when structure {@code ids.get(s)} has voxels in slice k
     * @param nz the number of slices
     */
    public record Layout(List<Integer> ids, BitSet slices, int nz) {

        public Layout {
            ids = List.copyOf(ids);
            slices = (BitSet) slices.clone();
        }

        /** Frames the SEG holds: one per structure and slice with any of its voxels. */
        public int frames() {
            return slices.cardinality();
        }

        public boolean isEmpty() {
            return ids.isEmpty();
        }
    }

    private final SegmentCodes codes;
    private final Equipment equipment;

    public DicomSegWriter(SegmentCodes codes, Equipment equipment) {
        this.codes = codes;
        this.equipment = equipment;
    }

    /** The structures present and the slices each is in: one pass over the labels. */
    public static Layout layout(LabelVolume labels) {
        Grid g = labels.grid();
        int slice = g.nx() * g.ny();
        int nz = g.nz();
        int[] v = labels.labels();
        int maxId = Integer.MAX_VALUE / nz - 1;
        // bit id * nz + k while scanning (ids are small positive numbers), then renumbered by segment
        BitSet byId = new BitSet();
        for (int k = 0; k < nz; k++) {
            int previous = 0;
            for (int p = k * slice, end = p + slice; p < end; p++) {
                int id = v[p];
                if (id != previous && id != 0) {
                    if (id < 0 || id > maxId) {
                        throw new IllegalArgumentException("label " + id + " is outside 1.." + maxId);
                    }
                    byId.set(id * nz + k);
                    previous = id;
                }
            }
        }
        TreeSet<Integer> ids = new TreeSet<>();
        for (int b = byId.nextSetBit(0); b >= 0; b = byId.nextSetBit(b + 1)) {
            ids.add(b / nz);
        }
        BitSet slices = new BitSet();
        int s = 0;
        for (int id : ids) {
            for (int k = 0; k < nz; k++) {
                if (byId.get(id * nz + k)) {
                    slices.set(s * nz + k);
                }
            }
            s++;
        }
        return new Layout(new ArrayList<>(ids), slices, nz);
    }

    /**
     * Writes the SEG of {@code labels} (on the grid of {@code source}, in its voxel order) to {@code out}, which it
     * does not close.
     *
     * @param layout {@link #layout} of the labels; not empty
     * @param seed what the SEG's UIDs derive from (e.g. the volume and request): the same seed gives the same UIDs
     * @throws IllegalArgumentException when the labels' shape is not the source's, or no structure is present
     */
    public void write(OutputStream out, LabelVolume labels, Layout layout, DicomSource source, String seed)
            throws IOException {
        Grid g = labels.grid();
        if (g.nx() != source.columns() || g.ny() != source.rows() || g.nz() != source.instances().size()
                || layout.nz() != g.nz()) {
            throw new IllegalArgumentException("labels " + g.nx() + "x" + g.ny() + "x" + g.nz()
                    + " are not on the source's grid of " + source.columns() + " columns, " + source.rows()
                    + " rows and " + source.instances().size() + " slices");
        }
        if (layout.isEmpty()) {
            throw new IllegalArgumentException("no structure is present: a SEG needs at least one segment");
        }
        String instanceUid = uid(seed + "/sop-instance");
        writeFileMeta(out, instanceUid);
        DicomEncoder e = new DicomEncoder(out);
        Geometry geometry = Geometry.of(g);
        Map<String, String> ps = source.patientStudy();
        String studyDate = ps.getOrDefault(DicomTag.STUDY_DATE.name(), "");
        String studyTime = ps.getOrDefault(DicomTag.STUDY_TIME.name(), "");
        String charset = ps.get(DicomTag.SPECIFIC_CHARACTER_SET.name());
        if (charset != null) {
            e.text(0x0008_0005, Vr.CS, charset.split("\\\\", -1));
        }
        e.text(0x0008_0008, Vr.CS, "DERIVED", "PRIMARY");
        e.uid(0x0008_0016, SEGMENTATION_STORAGE);
        e.uid(0x0008_0018, instanceUid);
        e.text(0x0008_0020, Vr.DA, studyDate);
        e.text(0x0008_0023, Vr.DA, studyDate.isEmpty() ? NO_DATE : studyDate);
        e.text(0x0008_0030, Vr.TM, studyTime);
        e.text(0x0008_0033, Vr.TM, studyTime.isEmpty() ? NO_TIME : studyTime);
        e.text(0x0008_0050, Vr.SH, ps.getOrDefault(DicomTag.ACCESSION_NUMBER.name(), ""));
        e.text(0x0008_0060, Vr.CS, "SEG");
        e.text(0x0008_0070, Vr.LO, "TriPlane");
        e.text(0x0008_0090, Vr.PN, ps.getOrDefault(DicomTag.REFERRING_PHYSICIAN_NAME.name(), ""));
        String description = ps.get(DicomTag.STUDY_DESCRIPTION.name());
        if (description != null) {
            e.text(0x0008_1030, Vr.LO, description);
        }
        e.text(0x0008_103E, Vr.LO, "TriPlane segmentation");
        e.text(0x0008_1090, Vr.LO, "TriPlane");
        referencedSeries(e, source);
        e.text(0x0010_0010, Vr.PN, ps.getOrDefault(DicomTag.PATIENT_NAME.name(), ""));
        e.text(0x0010_0020, Vr.LO, ps.getOrDefault(DicomTag.PATIENT_ID.name(), ""));
        e.text(0x0010_0030, Vr.DA, ps.getOrDefault(DicomTag.PATIENT_BIRTH_DATE.name(), ""));
        e.text(0x0010_0040, Vr.CS, ps.getOrDefault(DicomTag.PATIENT_SEX.name(), ""));
        // DeviceSerialNumber is Type 1 in Enhanced General Equipment; software has no serial: one fixed value
        e.text(0x0018_1000, Vr.LO, "1");
        e.text(0x0018_1020, Vr.LO, equipment.softwareVersion());
        contributingEquipment(e);
        e.uid(0x0020_000D, source.studyInstanceUid());
        e.uid(0x0020_000E, uid(seed + "/series"));
        e.text(0x0020_0010, Vr.SH, ps.getOrDefault(DicomTag.STUDY_ID.name(), ""));
        e.text(0x0020_0011, Vr.IS, Integer.toString(SERIES_NUMBER));
        e.text(0x0020_0013, Vr.IS, "1");
        e.uid(0x0020_0052, source.frameOfReferenceUid() != null ? source.frameOfReferenceUid()
                : uid(source.seriesInstanceUid() + "/frame-of-reference"));
        e.text(0x0020_1040, Vr.LO, "");
        String dimensions = uid(seed + "/dimensions");
        dimensionOrganization(e, dimensions);
        e.unsignedShorts(0x0028_0002, 1);
        e.text(0x0028_0004, Vr.CS, "MONOCHROME2");
        e.text(0x0028_0008, Vr.IS, Integer.toString(layout.frames()));
        e.unsignedShorts(0x0028_0010, g.ny());
        e.unsignedShorts(0x0028_0011, g.nx());
        e.unsignedShorts(0x0028_0100, 1);
        e.unsignedShorts(0x0028_0101, 1);
        e.unsignedShorts(0x0028_0102, 0);
        e.unsignedShorts(0x0028_0103, 0);
        e.text(0x0028_2110, Vr.CS, "00");
        e.text(0x0062_0001, Vr.CS, "BINARY");
        segments(e, layout);
        e.text(0x0070_0080, Vr.CS, "TRIPLANE");
        e.text(0x0070_0081, Vr.LO, "SAM2 tri-axis segmentation");
        e.text(0x0070_0084, Vr.PN, "");
        sharedGroups(e, geometry);
        perFrameGroups(e, layout, source, geometry);
        pixelData(e, labels, layout);
    }

    /** {@code 2.25.} and the decimal value of a name-based UUID of {@code seed} (PS3.5 B.2): at most 44 characters. */
    static String uid(String seed) {
        UUID u = UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8));
        byte[] b = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits())
                .array();
        return "2.25." + new BigInteger(1, b);
    }

    /** Preamble, {@code DICM} and group 0002 with its group length (PS3.10 section 7.1). */
    private static void writeFileMeta(OutputStream out, String instanceUid) throws IOException {
        ByteArrayOutputStream meta = new ByteArrayOutputStream();
        DicomEncoder m = new DicomEncoder(meta);
        m.bytes(0x0002_0001, Vr.OB, new byte[] {0, 1});
        m.uid(0x0002_0002, SEGMENTATION_STORAGE);
        m.uid(0x0002_0003, instanceUid);
        m.uid(0x0002_0010, EXPLICIT_VR_LITTLE_ENDIAN);
        m.uid(0x0002_0012, IMPLEMENTATION_CLASS_UID);
        m.text(0x0002_0013, Vr.SH, "TRIPLANE");
        out.write(new byte[128]);
        out.write("DICM".getBytes(StandardCharsets.US_ASCII));
        new DicomEncoder(out).unsignedLongs(0x0002_0000, meta.size());
        meta.writeTo(out);
    }

    /** Common Instance Reference module: the source series and its images. */
    private static void referencedSeries(DicomEncoder e, DicomSource source) throws IOException {
        e.sequence(0x0008_1115);
        e.item();
        e.sequence(0x0008_114A);
        for (DicomSource.Instance i : source.instances()) {
            e.item();
            e.uid(0x0008_1150, i.sopClassUid());
            e.uid(0x0008_1155, i.sopInstanceUid());
            e.endItem();
        }
        e.endSequence();
        e.uid(0x0020_000E, source.seriesInstanceUid());
        e.endItem();
        e.endSequence();
    }

    private void contributingEquipment(DicomEncoder e) throws IOException {
        e.sequence(0x0018_A001);
        e.item();
        e.text(0x0008_0070, Vr.LO, "TriPlane");
        e.text(0x0008_1090, Vr.LO, equipment.model());
        e.text(0x0018_1020, Vr.LO, equipment.softwareVersion());
        e.text(0x0018_A003, Vr.ST, "Zero-shot tri-axis SAM2 segmentation, model " + equipment.model());
        e.code(0x0040_A170, "DCM", "109102", "Processing Equipment");
        e.endItem();
        e.endSequence();
    }

    /** Multi-frame Dimension module: index 1 is the segment, index 2 the plane position. */
    private static void dimensionOrganization(DicomEncoder e, String dimensions) throws IOException {
        e.sequence(0x0020_9221);
        e.item();
        e.uid(0x0020_9164, dimensions);
        e.endItem();
        e.endSequence();
        e.sequence(0x0020_9222);
        dimensionIndex(e, dimensions, 0x0062_000B, 0x0062_000A, "ReferencedSegmentNumber");
        dimensionIndex(e, dimensions, 0x0020_0032, 0x0020_9113, "ImagePositionPatient");
        e.endSequence();
    }

    private static void dimensionIndex(DicomEncoder e, String dimensions, int pointer, int group, String label)
            throws IOException {
        e.item();
        e.uid(0x0020_9164, dimensions);
        e.attributeTags(0x0020_9165, pointer);
        e.attributeTags(0x0020_9167, group);
        e.text(0x0020_9421, Vr.LO, label);
        e.endItem();
    }

    private void segments(DicomEncoder e, Layout layout) throws IOException {
        e.sequence(0x0062_0002);
        int number = 1;
        for (int id : layout.ids()) {
            SegmentCodes.Segment s = codes.of(id);
            e.item();
            if (s.region() != null) {
                e.sequence(0x0008_2218);
                e.item();
                e.codeItem(s.region().scheme(), s.region().value(), s.region().meaning());
                if (s.regionModifier() != null) {
                    code(e, 0x0008_2220, s.regionModifier());
                }
                e.endItem();
                e.endSequence();
            }
            code(e, 0x0062_0003, s.category());
            e.unsignedShorts(0x0062_0004, number++);
            e.text(0x0062_0005, Vr.LO, s.label());
            e.text(0x0062_0008, Vr.CS, "AUTOMATIC");
            e.text(0x0062_0009, Vr.LO, equipment.model());
            e.sequence(0x0062_000F);
            e.item();
            e.codeItem(s.type().scheme(), s.type().value(), s.type().meaning());
            if (s.typeModifier() != null) {
                code(e, 0x0062_0011, s.typeModifier());
            }
            e.endItem();
            e.endSequence();
            e.endItem();
        }
        e.endSequence();
    }

    private static void code(DicomEncoder e, int tag, SegmentCodes.Code c) throws IOException {
        e.code(tag, c.scheme(), c.value(), c.meaning());
    }

    /** Plane orientation and pixel measures, the same for every frame. */
    private static void sharedGroups(DicomEncoder e, Geometry geometry) throws IOException {
        e.sequence(0x5200_9229);
        e.item();
        e.sequence(0x0020_9116);
        e.item();
        e.decimals(0x0020_0037, geometry.orientation);
        e.endItem();
        e.endSequence();
        e.sequence(0x0028_9110);
        e.item();
        e.decimals(0x0018_0050, geometry.sliceStep);
        e.decimals(0x0018_0088, geometry.sliceStep);
        e.decimals(0x0028_0030, geometry.pixelSpacing);
        e.endItem();
        e.endSequence();
        e.endItem();
        e.endSequence();
    }

    /** One item per frame: its source image, dimension index values, position and segment. */
    private static void perFrameGroups(DicomEncoder e, Layout layout, DicomSource source, Geometry geometry)
            throws IOException {
        e.sequence(0x5200_9230);
        int nz = layout.nz();
        BitSet frames = layout.slices();
        for (int b = frames.nextSetBit(0); b >= 0; b = frames.nextSetBit(b + 1)) {
            int segment = b / nz + 1;
            int k = b % nz;
            DicomSource.Instance image = source.instances().get(k);
            e.item();
            e.sequence(0x0008_9124);
            e.item();
            e.sequence(0x0008_2112);
            e.item();
            e.uid(0x0008_1150, image.sopClassUid());
            e.uid(0x0008_1155, image.sopInstanceUid());
            // the frame is on its source image's pixel grid: readers may index the SEG by source image
            e.text(0x0028_135A, Vr.CS, "YES");
            e.code(0x0040_A170, "DCM", "121322", "Source image for image processing operation");
            e.endItem();
            e.endSequence();
            e.code(0x0008_9215, "DCM", "113076", "Segmentation");
            e.endItem();
            e.endSequence();
            e.sequence(0x0020_9111);
            e.item();
            e.unsignedLongs(0x0020_9157, segment, k + 1);
            e.endItem();
            e.endSequence();
            e.sequence(0x0020_9113);
            e.item();
            e.decimals(0x0020_0032, geometry.position(k));
            e.endItem();
            e.endSequence();
            e.sequence(0x0062_000A);
            e.item();
            e.unsignedShorts(0x0062_000B, segment);
            e.endItem();
            e.endSequence();
            e.endItem();
        }
        e.endSequence();
    }

    /**
     * The frames, 1 bit per pixel, packed without gaps across frames (PS3.5 section 8.1.1: the first pixel in the
     * lowest bit), written through a small buffer.
     */
    private static void pixelData(DicomEncoder e, LabelVolume labels, Layout layout) throws IOException {
        Grid g = labels.grid();
        int slice = g.nx() * g.ny();
        long bits = (long) layout.frames() * slice;
        long length = (bits + 7) / 8;
        e.binaryHeader(0x7FE0_0010, Vr.OB, length);
        OutputStream out = e.stream();
        int[] v = labels.labels();
        int nz = layout.nz();
        BitSet frames = layout.slices();
        byte[] chunk = new byte[CHUNK_BYTES];
        int at = 0;
        int acc = 0;
        int filled = 0;
        for (int b = frames.nextSetBit(0); b >= 0; b = frames.nextSetBit(b + 1)) {
            int id = layout.ids().get(b / nz);
            int p = b % nz * slice;
            int end = p + slice;
            if (filled == 0) {
                // a frame that starts on a byte (every frame when Rows x Columns is a multiple of 8): whole bytes
                for (int stop = end - 7; p < stop; p += 8) {
                    chunk[at++] = (byte) (is(v[p], id) | is(v[p + 1], id) << 1 | is(v[p + 2], id) << 2
                            | is(v[p + 3], id) << 3 | is(v[p + 4], id) << 4 | is(v[p + 5], id) << 5
                            | is(v[p + 6], id) << 6 | is(v[p + 7], id) << 7);
                    if (at == chunk.length) {
                        out.write(chunk);
                        at = 0;
                    }
                }
            }
            for (; p < end; p++) {
                acc |= is(v[p], id) << filled;
                if (++filled == 8) {
                    chunk[at++] = (byte) acc;
                    acc = 0;
                    filled = 0;
                    if (at == chunk.length) {
                        out.write(chunk);
                        at = 0;
                    }
                }
            }
        }
        if (filled > 0) {
            chunk[at++] = (byte) acc;
        }
        out.write(chunk, 0, at);
        e.pad(length);
    }

    /** 1 when {@code label == id}, else 0, without a branch (labels and ids are not negative). */
    private static int is(int label, int id) {
        return ((label ^ id) - 1) >>> 31;
    }

    /** The LPS plane geometry of a grid in a series' voxel order. */
    private record Geometry(double[] orientation, double[] pixelSpacing, double sliceStep, double[] origin,
            double[] step) {

        static Geometry of(Grid g) {
            double[] a = g.affine();
            // RAS+ to LPS: negate the x and y rows
            double[] col = {-a[0], -a[4], a[8]};
            double[] row = {-a[1], -a[5], a[9]};
            double[] step = {-a[2], -a[6], a[10]};
            double[] origin = {-a[3], -a[7], a[11]};
            double dx = norm(col);
            double dy = norm(row);
            double[] orientation = {col[0] / dx, col[1] / dx, col[2] / dx, row[0] / dy, row[1] / dy, row[2] / dy};
            return new Geometry(orientation, new double[] {dy, dx}, norm(step), origin, step);
        }

        double[] position(int k) {
            return new double[] {origin[0] + k * step[0], origin[1] + k * step[1], origin[2] + k * step[2]};
        }

        private static double norm(double[] v) {
            return Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        }
    }
}
