package dev.triplane.core.synthetic;

import dev.triplane.core.events.Reason;
import dev.triplane.core.nifti.NiftiDatatype;
import dev.triplane.core.nifti.NiftiMutator;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPOutputStream;

/**
 * A seeded corpus of hostile scans for the fuzz tests: mutations of the {@link SyntheticScan} (image, reference
 * labels, or a prompt file) in NIfTI-1 and NIfTI-2, either byte order, plain or gzip-compressed. Sample
 * {@code i} of a seed is always the same bytes; sample {@code i} takes mutation kind {@code i mod }{@link #kinds()},
 * so any {@code kinds()} consecutive samples cover every kind, each with its own random parameters.
 *
 * <p>Kinds: every header field class (sizeof_hdr, magic, dim[0..7] zero, negative, huge and overflowing,
 * datatype codes and bitpix, pixdim, vox_offset, scl_slope/inter, qform/sform codes and degenerate matrices,
 * extensions with any esize), truncation in every region (header, extension, voxel data, gzip stream), gzip
 * damage (CRC, length, flipped bytes, bombs, concatenated members), labels on other grids or not integer,
 * datatypes valid and not, and hostile prompt JSON (deep nesting, huge arrays, wrong types, huge numbers,
 * duplicate keys, malformed text). Where the outcome follows from the mutation alone a sample says what
 * ingest must answer ({@link Sample#expected}): a {@link Reason} name, {@link #BAD_PROMPTS} or {@link #VALID}.
 */
public final class FuzzCorpus {

    /** Expected outcome of a sample ingest accepts. */
    public static final String VALID = "VALID";
    /** Expected outcome of a prompt file ingest refuses (ingest's reason of that name). */
    public static final String BAD_PROMPTS = "BAD_PROMPTS";

    private static final SyntheticScan SCAN = SyntheticScan.create();
    private static final Grid GRID = SCAN.image().grid();
    private static final String VALID_PROMPT =
            "{\"structure\": \"liver\", \"axis\": \"axial\", \"slice\": 12, \"box\": [10, 10, 20, 20]}";

    /**
     * One drop: an image, and its labels or its prompt file.
     *
     * @param index    position in the corpus
     * @param mutation the mutation kind
     * @param expected what ingest must answer ({@link #VALID}, {@link #BAD_PROMPTS} or a {@link Reason} name), or
     *                 null where only a typed answer is required (e.g. a random byte flip)
     * @param image    the image file
     * @param gzip     whether the image was compressed (names it {@code .nii.gz}); its stream may be damaged
     * @param labels   reference labels on the image grid unless mutated, or null
     * @param prompts  a prompt file, or null; a sample has labels or prompts
     */
    public record Sample(int index, String mutation, String expected, byte[] image, boolean gzip, byte[] labels,
            byte[] prompts) {

        /** {@code ct.nii.gz} or {@code ct.nii}. */
        public String imageName() {
            return gzip ? "ct.nii.gz" : "ct.nii";
        }

        /**
         * The objects of this sample's bucket drop by name inside the drop's folder, the image last: the labels
         * and the prompt file must be there when the image's arrival starts its ingest.
         */
        public Map<String, byte[]> dropObjects() {
            Map<String, byte[]> objects = new LinkedHashMap<>();
            if (labels != null) {
                objects.put("ct_seg.nii.gz", labels);
            }
            if (prompts != null) {
                objects.put("ct.prompts.json", prompts);
            }
            objects.put(imageName(), image);
            return objects;
        }
    }

    private record Kind(String name, Consumer<Draft> mutation) {
    }

    private static final List<Kind> KINDS = List.of(
            new Kind("sizeof_hdr", FuzzCorpus::sizeofHdr),
            new Kind("magic", FuzzCorpus::magic),
            new Kind("dim0", FuzzCorpus::dim0),
            new Kind("dim_not_positive", FuzzCorpus::dimNotPositive),
            new Kind("dim_huge", FuzzCorpus::dimHuge),
            new Kind("dim_beyond_3d", FuzzCorpus::dimBeyond3d),
            new Kind("dim_smaller", FuzzCorpus::dimSmaller),
            new Kind("dim_larger", FuzzCorpus::dimLarger),
            new Kind("datatype_unknown", FuzzCorpus::datatypeUnknown),
            new Kind("datatype_other", FuzzCorpus::datatypeOther),
            new Kind("bitpix", FuzzCorpus::bitpix),
            new Kind("pixdim", FuzzCorpus::pixdim),
            new Kind("qfac", FuzzCorpus::qfac),
            new Kind("vox_offset_in_header", FuzzCorpus::voxOffsetInHeader),
            new Kind("vox_offset_past_eof", FuzzCorpus::voxOffsetPastEof),
            new Kind("vox_offset_not_an_offset", FuzzCorpus::voxOffsetNotAnOffset),
            new Kind("scaling", FuzzCorpus::scaling),
            new Kind("xform_codes", FuzzCorpus::xformCodes),
            new Kind("sform_degenerate", FuzzCorpus::sformDegenerate),
            new Kind("qform_degenerate", FuzzCorpus::qformDegenerate),
            new Kind("extension_esize", FuzzCorpus::extensionEsize),
            new Kind("extension_huge", FuzzCorpus::extensionHuge),
            new Kind("truncated_header", FuzzCorpus::truncatedHeader),
            new Kind("truncated_extension", FuzzCorpus::truncatedExtension),
            new Kind("truncated_data", FuzzCorpus::truncatedData),
            new Kind("truncated_gzip", FuzzCorpus::truncatedGzip),
            new Kind("gzip_crc", FuzzCorpus::gzipCrc),
            new Kind("gzip_flipped_byte", FuzzCorpus::gzipFlippedByte),
            new Kind("gzip_bomb", FuzzCorpus::gzipBomb),
            new Kind("gzip_members", FuzzCorpus::gzipMembers),
            new Kind("gzip_bad_header", FuzzCorpus::gzipBadHeader),
            new Kind("random_bytes", FuzzCorpus::randomBytes),
            new Kind("image_non_finite", FuzzCorpus::imageNonFinite),
            new Kind("image_datatypes", FuzzCorpus::imageDatatypes),
            new Kind("labels_other_grid", FuzzCorpus::labelsOtherGrid),
            new Kind("labels_not_integer", FuzzCorpus::labelsNotInteger),
            new Kind("labels_datatypes", FuzzCorpus::labelsDatatypes),
            new Kind("valid", FuzzCorpus::valid),
            new Kind("prompts_deep_nesting", FuzzCorpus::promptsDeepNesting),
            new Kind("prompts_huge_arrays", FuzzCorpus::promptsHugeArrays),
            new Kind("prompts_wrong_types", FuzzCorpus::promptsWrongTypes),
            new Kind("prompts_huge_numbers", FuzzCorpus::promptsHugeNumbers),
            new Kind("prompts_duplicate_keys", FuzzCorpus::promptsDuplicateKeys),
            new Kind("prompts_malformed", FuzzCorpus::promptsMalformed),
            new Kind("prompts_valid", FuzzCorpus::promptsValid));

    /** Largest inflate limit a corpus is built for: a bomb past it is held in memory while it is compressed. */
    public static final long MAX_INFLATED_BYTES = 64L << 20;

    private final long seed;
    private final ReadLimits limits;

    /**
     * @param seed   the corpus
     * @param limits the limits the files are read with: bombs and huge dims are sized against them
     */
    public FuzzCorpus(long seed, ReadLimits limits) {
        if (limits.maxInflatedBytes() > MAX_INFLATED_BYTES) {
            throw new IllegalArgumentException("bombs and huge extensions are built past the inflate limit: at most "
                    + MAX_INFLATED_BYTES + " bytes, not " + limits.maxInflatedBytes());
        }
        this.seed = seed;
        this.limits = limits;
    }

    /** The number of mutation kinds. */
    public static int kinds() {
        return KINDS.size();
    }

    public Sample sample(int index) {
        Kind kind = KINDS.get(index % KINDS.size());
        Draft d = new Draft(new Random(seed * 1_000_003L + index), index / KINDS.size(), limits,
                "fuzz " + seed + " #" + index);
        kind.mutation().accept(d);
        return d.build(index, kind.name());
    }

    /** A sample in the making: both files as fields, their compression, and byte edits after compression. */
    private static final class Draft {
        final Random r;
        /** How many times the corpus went through every kind before this sample. */
        final int round;
        final ReadLimits limits;
        /** Written into the image's descrip: every valid image is a volume of its own. */
        final String tag;
        final int version;
        final ByteOrder order;
        /** Whether the header mutation goes to the labels instead of the image. */
        final boolean onLabels;
        NiftiMutator image;
        NiftiMutator labels;
        boolean gzipImage;
        boolean gzipLabels;
        /** Byte edits of the compressed (or plain) file, null for none. */
        UnaryOperator<byte[]> imageEdit;
        UnaryOperator<byte[]> labelsEdit;
        byte[] prompts;
        String expected;

        Draft(Random r, int round, ReadLimits limits, String tag) {
            this.r = r;
            this.round = round;
            this.tag = tag;
            this.limits = limits;
            this.version = r.nextBoolean() ? 1 : 2;
            this.order = r.nextInt(4) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            this.gzipImage = r.nextBoolean();
            this.gzipLabels = r.nextBoolean();
            this.image = image(r.nextBoolean() ? NiftiDatatype.FLOAT32 : NiftiDatatype.INT16).descrip(tag);
            this.labels = labels(NiftiDatatype.UINT8);
            this.onLabels = r.nextInt(4) == 0;
        }

        NiftiMutator image(NiftiDatatype type) {
            return NiftiMutator.of(GRID, type, imageValues(), version, order);
        }

        NiftiMutator labels(NiftiDatatype type) {
            return NiftiMutator.of(GRID, type, labelValues(), version, order);
        }

        /** The file a header mutation goes to. */
        NiftiMutator target() {
            return onLabels ? labels : image;
        }

        boolean targetGzip() {
            return onLabels ? gzipLabels : gzipImage;
        }

        void edit(UnaryOperator<byte[]> edit) {
            if (onLabels) {
                labelsEdit = edit;
            } else {
                imageEdit = edit;
            }
        }

        <T> T pick(List<T> values) {
            return values.get(r.nextInt(values.size()));
        }

        /** One of {@code values} by round: n rounds over the kinds take n different ones. */
        <T> T variant(List<T> values) {
            return values.get(round % values.size());
        }

        /** Expected outcome when the image or the labels are hit by a geometry mutation. */
        String geometry(String onImage) {
            return onLabels ? Reason.GRID_MISMATCH.name() : onImage;
        }

        Sample build(int index, String name) {
            byte[] imageFile = edited(compress(image.bytes(), gzipImage), imageEdit);
            byte[] labelsFile = labels == null ? null : edited(compress(labels.bytes(), gzipLabels), labelsEdit);
            return new Sample(index, name, expected, imageFile, gzipImage, labelsFile, prompts);
        }

        private static byte[] edited(byte[] file, UnaryOperator<byte[]> edit) {
            return edit == null ? file : edit.apply(file);
        }
    }

    private static double[] imageValues() {
        float[] hu = SCAN.image().voxels();
        double[] v = new double[hu.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = hu[i];
        }
        return v;
    }

    private static double[] labelValues() {
        return Arrays.stream(SCAN.labels().labels()).asDoubleStream().toArray();
    }

    // ---- header fields

    private static void sizeofHdr(Draft d) {
        int size = d.pick(List.of(0, -1, 347, 349, 1 << 24, Integer.MIN_VALUE, d.r.nextInt()));
        boolean valid = List.of(348, 540, Integer.reverseBytes(348), Integer.reverseBytes(540)).contains(size);
        d.target().sizeofHdr(valid ? 0 : size);
        d.expected = Reason.BAD_HEADER.name();
    }

    private static void magic(Draft d) {
        byte[] magic = d.pick(List.of("ni1\0", "ni2\0", "n+3\0", "\0\0\0\0", "N+1\0"))
                .getBytes(StandardCharsets.ISO_8859_1);
        if (d.r.nextBoolean()) {
            d.r.nextBytes(magic);
            magic[0] = 'x';
        }
        d.target().magic(magic);
        d.expected = Reason.BAD_MAGIC.name();
    }

    private static void dim0(Draft d) {
        d.target().dim(0, d.pick(List.of(0L, -1L, 8L, -32768L, 32767L)));
        d.expected = Reason.BAD_DIMENSIONS.name();
    }

    private static void dimNotPositive(Draft d) {
        d.target().dim(1 + d.r.nextInt(3), d.pick(List.of(0L, -1L, -32768L)));
        d.expected = Reason.BAD_DIMENSIONS.name();
    }

    /** Dims whose voxel bytes pass the limit or overflow a long; NIfTI-1 dims are int16. */
    private static void dimHuge(Draft d) {
        long huge = d.version == 1 ? Short.MAX_VALUE : d.pick(List.of(1L << 22, 1L << 33, Long.MAX_VALUE));
        int axes = 1 + d.r.nextInt(3);
        long count = 1;
        for (int a = 1; a <= 3; a++) {
            long dim = a <= axes ? huge : a == 1 ? GRID.nx() : a == 2 ? GRID.ny() : GRID.nz();
            d.target().dim(a, dim);
            count = count > Long.MAX_VALUE / dim ? Long.MAX_VALUE : count * dim;
        }
        // at least a byte per voxel: over the limit whatever the datatype; below it, truncated or too large
        d.expected = count > d.limits.maxVoxelBytes() ? Reason.TOO_LARGE.name() : null;
    }

    /** A used dim beyond the third; unused ones (beyond dim[0]) may hold anything. */
    private static void dimBeyond3d(Draft d) {
        int a = 4 + d.r.nextInt(4);
        long value = d.pick(List.of(2L, 0L, -3L));
        if (d.r.nextBoolean()) {
            d.target().dim(0, a).dim(a, value);
            d.expected = Reason.BAD_DIMENSIONS.name();
        } else {
            d.target().dim(a, value);
            d.expected = FuzzCorpus.VALID;
        }
    }

    /** Fewer slices or dimensions than stored: read fine, on another grid than its partner. */
    private static void dimSmaller(Draft d) {
        if (d.r.nextBoolean()) {
            d.target().dim(3, 1 + d.r.nextInt(GRID.nz() - 1));
        } else {
            d.target().dim(0, 1 + d.r.nextInt(2));
        }
        d.expected = Reason.GRID_MISMATCH.name();
    }

    private static void dimLarger(Draft d) {
        d.target().dim(3, GRID.nz() + 1 + d.r.nextInt(8));
        d.expected = Reason.TRUNCATED.name();
    }

    private static void datatypeUnknown(Draft d) {
        d.target().datatype(d.pick(List.of(0, 1, 32, 128, 1536, 1792, 2048, 2304, -1, 32767, 3, 17)));
        d.expected = Reason.UNSUPPORTED_DATATYPE.name();
    }

    /** Another supported code than the data is stored in: the bytes reinterpreted, or too few of them. */
    private static void datatypeOther(Draft d) {
        d.target().datatype(d.pick(Arrays.asList(NiftiDatatype.values())).code());
        d.expected = null;
    }

    /** bitpix disagreeing with datatype is ignored, as nibabel ignores it on load. */
    private static void bitpix(Draft d) {
        d.target().bitpix(d.pick(List.of(0, -8, 7, 12, 64, 255)));
        d.expected = FuzzCorpus.VALID;
    }

    private static void pixdim(Draft d) {
        d.target().pixdim(1 + d.r.nextInt(3), d.pick(List.of(0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY)));
        d.expected = d.geometry(Reason.BAD_SPACING.name());
    }

    /** pixdim[0] only matters for a qform; these files use their sform. */
    private static void qfac(Draft d) {
        d.target().pixdim(0, d.pick(List.of(0.0, Double.NaN, 5.0, -1.0)));
        d.expected = FuzzCorpus.VALID;
    }

    private static void voxOffsetInHeader(Draft d) {
        d.target().voxOffset(d.pick(List.of(0.0, 4.0, 100.0, d.target().headerSize() - 1.0, -1.0 - d.r.nextInt(999))));
        d.expected = Reason.BAD_HEADER.name();
    }

    /** Past the end of the file, by a little or by far (far in a gzip stream: past the inflate limit). */
    private static void voxOffsetPastEof(Draft d) {
        NiftiMutator t = d.target();
        boolean far = d.r.nextBoolean();
        long offset = far ? d.limits.maxInflatedBytes() + 1 : t.dataStart() + 1 + d.r.nextInt(t.data().length * 2);
        t.voxOffset(offset);
        // a NIfTI-1 float offset beyond 2^24 rounds to an even number: still past the end
        d.expected = far && d.targetGzip() ? Reason.INFLATE_LIMIT.name() : Reason.TRUNCATED.name();
    }

    private static void voxOffsetNotAnOffset(Draft d) {
        NiftiMutator t = d.target();
        if (t.version() == 1) {
            t.voxOffset(d.pick(List.of(Double.NaN, Double.POSITIVE_INFINITY, 352.5, Double.NEGATIVE_INFINITY)));
        } else {
            t.voxOffset(d.pick(List.of((double) Long.MIN_VALUE, -544.0)));
        }
        d.expected = Reason.BAD_HEADER.name();
    }

    private static void scaling(Draft d) {
        switch (d.round % 5) {
            case 0 -> { // a slope of NaN, infinity or 0 means no scaling (nibabel)
                d.target().scaling(d.pick(List.of(Double.NaN, Double.POSITIVE_INFINITY, 0.0)), d.r.nextDouble());
                d.expected = FuzzCorpus.VALID;
            }
            case 1 -> {
                d.target().scaling(2, d.pick(List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)));
                d.expected = Reason.BAD_HEADER.name();
            }
            case 2 -> { // -1000 HU x 1e38 does not fit float32 (in NIfTI-1 the slope field itself is float32)
                d.image.scaling(d.version == 1 ? 3e38 : 1e300, 0);
                d.expected = Reason.NON_FINITE_VOXELS.name();
            }
            case 3 -> {
                d.labels.scaling(0.5, 0);
                d.expected = Reason.NOT_A_LABEL_MAP.name();
            }
            default -> {
                d.image.scaling(1, 1e30);
                d.expected = FuzzCorpus.VALID;
            }
        }
    }

    /** Codes outside 0..5 count as 0: image and labels then fall back to another affine (both, or only one). */
    private static void xformCodes(Draft d) {
        int sform = d.pick(List.of(-1, 6, 32767, 0));
        int qform = d.pick(List.of(-1, 0, 6, 1000));
        d.target().codes(qform, sform);
        boolean both = d.r.nextBoolean();
        if (both) {
            (d.onLabels ? d.image : d.labels).codes(qform, sform);
        }
        d.expected = both ? FuzzCorpus.VALID : Reason.GRID_MISMATCH.name();
    }

    /** A singular or non-finite sform on image and labels alike. */
    private static void sformDegenerate(Draft d) {
        double[] srow = new double[12];
        switch (d.round % 3) {
            case 0 -> { } // all zero
            case 1 -> { // columns 1 and 2 equal
                srow[0] = 1;
                srow[1] = 1;
                srow[10] = 1;
            }
            default -> Arrays.fill(srow, Double.NaN);
        }
        for (NiftiMutator m : new NiftiMutator[] {d.image, d.labels}) {
            for (int i = 0; i < 12; i++) {
                m.srow(i, srow[i]);
            }
        }
        d.expected = Reason.BAD_HEADER.name();
    }

    private static void qformDegenerate(Draft d) {
        double[] quatern = d.r.nextBoolean() ? new double[] {1, 1, 1} : new double[] {Double.NaN, 0, 0};
        for (NiftiMutator m : new NiftiMutator[] {d.image, d.labels}) {
            m.codes(1, 0);
            for (int i = 0; i < 3; i++) {
                m.quatern(i, quatern[i]);
            }
        }
        d.expected = Reason.BAD_HEADER.name();
    }

    /** Extensions are skipped up to vox_offset, whatever their esize says. */
    private static void extensionEsize(Draft d) {
        int esize = d.pick(List.of(-16, 0, 7, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30));
        byte[] body = new byte[8 * d.r.nextInt(8)];
        d.r.nextBytes(body);
        d.target().extension(esize, d.r.nextInt(), body);
        d.expected = FuzzCorpus.VALID;
    }

    /** A real extension: 1 MiB in a plain file; past the inflate limit in a gzip stream. */
    private static void extensionHuge(Draft d) {
        boolean gzip = d.targetGzip();
        int size = gzip ? (int) d.limits.maxInflatedBytes() + 16 : 1 << 20;
        byte[] body = new byte[size - size % 16];
        d.target().extension(body.length + 8, 4, body);
        d.expected = gzip ? Reason.INFLATE_LIMIT.name() : FuzzCorpus.VALID;
    }

    // ---- truncation

    private static void truncatedHeader(Draft d) {
        int at = d.r.nextInt(d.target().headerSize() + 4);
        truncatePlain(d, at);
    }

    private static void truncatedExtension(Draft d) {
        byte[] body = new byte[8 + 16 * d.r.nextInt(4)];
        d.target().extension(body.length + 8, 6, body);
        NiftiMutator t = d.target();
        int start = t.headerSize() + 4;
        truncatePlain(d, start + d.r.nextInt(t.dataStart() - start));
    }

    private static void truncatedData(Draft d) {
        NiftiMutator t = d.target();
        truncatePlain(d, t.dataStart() + d.r.nextInt(t.data().length));
    }

    /** Cuts the uncompressed file at {@code at} (then compresses it, or not). */
    private static void truncatePlain(Draft d, int at) {
        NiftiMutator t = d.target();
        byte[] cut = Arrays.copyOf(t.bytes(), at);
        boolean gzip = d.targetGzip();
        d.edit(any -> compress(cut, gzip));
        d.expected = Reason.TRUNCATED.name();
    }

    /** Cuts the compressed stream anywhere: in its header, the deflate data or the CRC/length trailer. */
    private static void truncatedGzip(Draft d) {
        int pick = d.round % 3;
        d.edit(gz -> Arrays.copyOf(gz, switch (pick) {
            case 0 -> 2 + d.r.nextInt(8);
            case 1 -> gz.length - 8 - 1 - d.r.nextInt(gz.length - 20);
            default -> gz.length - 1 - d.r.nextInt(8);
        }));
        forceGzip(d);
        d.expected = Reason.TRUNCATED.name();
    }

    private static void forceGzip(Draft d) {
        if (d.onLabels) {
            d.gzipLabels = true;
        } else {
            d.gzipImage = true;
        }
    }

    // ---- gzip

    /** A damaged CRC-32 or length (ISIZE) in the trailer. */
    private static void gzipCrc(Draft d) {
        int from = d.r.nextInt(8);
        int bit = 1 << d.r.nextInt(8);
        d.edit(gz -> {
            byte[] out = gz.clone();
            out[out.length - 8 + from] ^= (byte) bit;
            return out;
        });
        forceGzip(d);
        d.expected = Reason.CORRUPT_GZIP.name();
    }

    private static void gzipFlippedByte(Draft d) {
        d.edit(gz -> {
            byte[] out = gz.clone();
            int at = 10 + d.r.nextInt(out.length - 18);
            out[at] ^= (byte) (1 + d.r.nextInt(255));
            return out;
        });
        forceGzip(d);
        d.expected = null;
    }

    /** A well-formed file followed, in the same or a second member, by zeros inflating past the limit. */
    private static void gzipBomb(Draft d) {
        boolean member = d.r.nextBoolean();
        long zeros = d.limits.maxInflatedBytes() + 1;
        d.edit(gz -> {
            if (member) {
                return concat(gz, gzipZeros(new byte[0], zeros));
            }
            return gzipZeros(d.target().bytes(), zeros);
        });
        forceGzip(d);
        d.expected = Reason.INFLATE_LIMIT.name();
    }

    /** The file split into several gzip members, as concatenated .gz files are: one stream to a reader. */
    private static void gzipMembers(Draft d) {
        int members = 2 + d.r.nextInt(3);
        d.edit(gz -> {
            byte[] plain = d.target().bytes();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int from = 0;
            for (int m = 1; m <= members; m++) {
                int to = m == members ? plain.length : from + d.r.nextInt(plain.length - from);
                out.writeBytes(compress(Arrays.copyOfRange(plain, from, to), true));
                from = to;
            }
            return out.toByteArray();
        });
        forceGzip(d);
        d.expected = FuzzCorpus.VALID;
    }

    /**
     * The gzip magic followed by another compression method than deflate, or by flags announcing a header CRC or
     * extra field that the deflate data is then read as.
     */
    private static void gzipBadHeader(Draft d) {
        boolean method = d.r.nextBoolean();
        int flag = d.r.nextBoolean() ? 0x02 : 0x04;
        int code = 9 + d.r.nextInt(200);
        d.edit(gz -> {
            byte[] out = gz.clone();
            if (method) {
                out[2] = (byte) code;
            } else {
                out[3] |= (byte) flag;
            }
            return out;
        });
        forceGzip(d);
        d.expected = method ? Reason.CORRUPT_GZIP.name() : null;
    }

    private static void randomBytes(Draft d) {
        byte[] noise = new byte[d.r.nextInt(2048)];
        d.r.nextBytes(noise);
        if (noise.length >= 4 && d.r.nextBoolean()) {
            noise[0] = 0x5c; // sizeof_hdr 348, little-endian, then noise
            noise[1] = 0x01;
            noise[2] = 0;
            noise[3] = 0;
        }
        d.edit(any -> noise);
        d.expected = null;
    }

    // ---- voxel values and datatypes

    private static void imageNonFinite(Draft d) {
        NiftiDatatype type = d.r.nextBoolean() ? NiftiDatatype.FLOAT32 : NiftiDatatype.FLOAT64;
        double[] v = imageValues();
        v[d.r.nextInt(v.length)] = d.pick(List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                type == NiftiDatatype.FLOAT64 ? 1e39 : Double.NaN));
        d.image.data(NiftiMutator.encode(type, v, d.order)).datatype(type.code()).bitpix(type.bitpix());
        d.expected = Reason.NON_FINITE_VOXELS.name();
    }

    private static void imageDatatypes(Draft d) {
        NiftiDatatype type = d.pick(List.of(NiftiDatatype.INT16, NiftiDatatype.INT32, NiftiDatatype.INT64,
                NiftiDatatype.FLOAT64, NiftiDatatype.UINT8, NiftiDatatype.INT8, NiftiDatatype.UINT16));
        d.image = d.image(type).descrip(d.tag);
        d.expected = FuzzCorpus.VALID;
    }

    // ---- labels

    private static void labelsOtherGrid(Draft d) {
        double[] values = labelValues();
        double[] affine = GRID.affine();
        Grid other = switch (d.round % 4) {
            case 0 -> new Grid(GRID.ny(), GRID.nx(), GRID.nz(), GRID.spacing(), affine); // permuted dims
            case 1 -> { // shifted by a millimetre
                affine[3] += 1;
                yield new Grid(GRID.nx(), GRID.ny(), GRID.nz(), GRID.spacing(), affine);
            }
            case 2 -> { // other spacing
                double[] spacing = GRID.spacing();
                spacing[2] *= 2;
                yield new Grid(GRID.nx(), GRID.ny(), GRID.nz(), spacing, affine);
            }
            default -> { // other dims: half the slices
                values = Arrays.copyOf(values, GRID.nx() * GRID.ny() * (GRID.nz() / 2));
                yield new Grid(GRID.nx(), GRID.ny(), GRID.nz() / 2, GRID.spacing(), affine);
            }
        };
        d.labels = NiftiMutator.of(other, NiftiDatatype.UINT8, values, d.version, d.order);
        d.expected = Reason.GRID_MISMATCH.name();
    }

    private static void labelsNotInteger(Draft d) {
        double[] v = labelValues();
        int at = d.r.nextInt(v.length);
        NiftiDatatype type;
        switch (d.round % 4) {
            case 0 -> {
                type = NiftiDatatype.FLOAT32;
                v[at] = d.pick(List.of(1.5, Double.NaN, Double.POSITIVE_INFINITY, 1e-3));
            }
            case 1 -> {
                type = NiftiDatatype.INT16;
                v[at] = -1 - d.r.nextInt(30000);
            }
            case 2 -> {
                type = NiftiDatatype.UINT32;
                v[at] = 4e9;
            }
            default -> {
                type = NiftiDatatype.INT64;
                v[at] = -(1L << 40);
            }
        }
        d.labels = NiftiMutator.of(GRID, type, v, d.version, d.order);
        d.expected = Reason.NOT_A_LABEL_MAP.name();
    }

    private static void labelsDatatypes(Draft d) {
        d.labels = d.labels(d.pick(Arrays.asList(NiftiDatatype.values())));
        d.expected = FuzzCorpus.VALID;
    }

    private static void valid(Draft d) {
        d.expected = FuzzCorpus.VALID;
    }

    // ---- prompt files (the image valid, no labels)

    private static void prompts(Draft d, String json, String expected) {
        prompts(d, json.getBytes(StandardCharsets.UTF_8), expected);
    }

    private static void prompts(Draft d, byte[] json, String expected) {
        d.labels = null;
        d.prompts = json;
        d.expected = expected;
    }

    private static String file(String promptsArray) {
        return "{\"version\": 1, \"prompts\": " + promptsArray + "}";
    }

    private static void promptsDeepNesting(Draft d) {
        int depth = d.pick(List.of(600, 5_000, 100_000));
        String open = d.r.nextBoolean() ? "[" : "{\"a\": ";
        String close = open.equals("[") ? "]" : "}";
        String nested = open.repeat(depth) + "1" + close.repeat(depth);
        String json = switch (d.round % 3) {
            case 0 -> file("[" + nested + "]");
            case 1 -> file("[{\"structure\": \"liver\", \"axis\": \"axial\", \"slice\": 12, \"box\": " + nested + "}]");
            default -> nested;
        };
        prompts(d, json, BAD_PROMPTS);
    }

    private static void promptsHugeArrays(Draft d) {
        int n = 10_000 + d.r.nextInt(90_000);
        switch (d.round % 4) {
            case 0 -> prompts(d, file("[" + String.join(", ", Collections.nCopies(n, VALID_PROMPT)) + "]"),
                    BAD_PROMPTS); // the same slice prompted n times
            case 1 -> prompts(d, file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 3, \"points\": ["
                    + String.join(", ", Collections.nCopies(n, "{\"x\": 4, \"y\": 5.5, \"label\": 1}"))
                    + "]}]"), BAD_PROMPTS); // past PromptFile.MAX_POINTS: each point costs the worker's decoder
            case 2 -> prompts(d, file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 3, \"box\": ["
                    + String.join(", ", Collections.nCopies(n, "7")) + "]}]"), BAD_PROMPTS);
            // one coronal slice: a cascade, whose first stage is never empty (the mask is that frame's output)
            default -> prompts(d, file("[{\"structure\": 5, \"axis\": \"coronal\", \"slice\": 3, \"mask\": ["
                    + String.join(", ", Collections.nCopies(n, "[5, 0, 47]")) + "]}]"), VALID);
        }
    }

    private static void promptsWrongTypes(Draft d) {
        prompts(d, d.variant(List.of(
                "[]", "\"prompts\"", "42", "null", "true",
                file("{}"), file("\"liver\""), file("[1, 2]"), file("[null]"), file("[[]]"),
                "{\"version\": \"1\", \"prompts\": [" + VALID_PROMPT + "]}",
                "{\"version\": 1.0, \"prompts\": [" + VALID_PROMPT + "]}",
                file("[{\"structure\": true, \"axis\": \"axial\", \"slice\": 12, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": [5], \"axis\": \"axial\", \"slice\": 12, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": {\"id\": 5}, \"axis\": \"axial\", \"slice\": 12, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": 5.5, \"axis\": \"axial\", \"slice\": 12, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": \"\", \"axis\": \"axial\", \"slice\": 12, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": 5, \"axis\": 2, \"slice\": 12, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": 5, \"axis\": [\"axial\"], \"slice\": 12, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": \"12\", \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12.5, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": null, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"box\": \"1,1,2,2\"}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"box\": [1, 1, \"2\", 2]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"box\": [1, null, 2, 2]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"points\": {\"x\": 1}}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"points\": [[1, 2, 1]]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"points\": [{\"x\": 1, \"y\": 1,"
                        + " \"label\": true}]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"mask\": [[1, 2]]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"mask\": [[1, 2.5, 3]]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"mask\": [\"row\"]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12}]"),
                // a mask stands alone on its slice: the engine cannot add clicks to it
                file("[{\"structure\": 1, \"axis\": \"sagittal\", \"slice\": 33, \"points\": [{\"x\": 15, \"y\": 10.5,"
                        + " \"label\": 1}], \"mask\": [[10, 12, 18]]}]"))), BAD_PROMPTS);
    }

    private static void promptsHugeNumbers(Draft d) {
        String digits = "9".repeat(d.pick(List.of(20, 400, 5_000)));
        prompts(d, d.variant(List.of(
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 1e400, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": " + digits + ", \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": " + digits + ", \"axis\": \"axial\", \"slice\": 1, \"box\": [1, 1, 2, 2]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 1, \"box\": [1, 1, 1e308, 2]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 1, \"box\": [1, 1, 2, 1e999]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 1, \"box\": [-" + digits + ", 1, 2, 2]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 1, \"points\": [{\"x\": 1, \"y\": 1,"
                        + " \"label\": " + digits + "}]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 1, \"mask\": [[1, 0, " + digits + "]]}]"),
                "{\"version\": " + digits + ", \"prompts\": [" + VALID_PROMPT + "]}",
                file("[{\"structure\": -2147483649, \"axis\": \"axial\", \"slice\": 1, \"box\": [1, 1, 2, 2]}]"))),
                BAD_PROMPTS);
    }

    /** Duplicate keys are refused: two readers of the file could each take another value. */
    private static void promptsDuplicateKeys(Draft d) {
        prompts(d, d.variant(List.of(
                "{\"version\": 1, \"version\": 1, \"prompts\": [" + VALID_PROMPT + "]}",
                "{\"prompts\": [" + VALID_PROMPT + "], \"prompts\": []}",
                file("[{\"structure\": \"liver\", \"structure\": \"spleen\", \"axis\": \"axial\", \"slice\": 12,"
                        + " \"box\": [10, 10, 20, 20]}]"),
                file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"points\": [{\"x\": 1, \"x\": 2,"
                        + " \"y\": 1, \"label\": 1}]}]"))), BAD_PROMPTS);
    }

    private static void promptsMalformed(Draft d) {
        String valid = file("[" + VALID_PROMPT + "]");
        switch (d.round % 3) {
            case 0 -> prompts(d, d.pick(List.of("", " ", "{", "}",
                    valid.substring(0, 1 + d.r.nextInt(valid.length() - 1)),
                    valid + " {\"prompts\": []}", valid + " garbage", "{'version': 1}",
                    file("[{\"structure\": 5, \"axis\": \"axial\", \"slice\": 12, \"box\": [NaN, 1, 2, 2]}]"),
                    "/* comment */ " + valid, "{\"version\": 1, \"prompts\": [" + VALID_PROMPT + ",]}")), BAD_PROMPTS);
            case 1 -> { // invalid UTF-8 inside a string
                byte[] json = file("[{\"structure\": \"liverXX\", \"axis\": \"axial\", \"slice\": 12,"
                        + " \"box\": [10, 10, 20, 20]}]").getBytes(StandardCharsets.UTF_8);
                int at = new String(json, StandardCharsets.UTF_8).indexOf("XX");
                json[at] = (byte) 0xC3;
                json[at + 1] = (byte) 0x28;
                prompts(d, json, BAD_PROMPTS);
            }
            default -> {
                byte[] noise = new byte[d.r.nextInt(512)];
                d.r.nextBytes(noise);
                prompts(d, noise, BAD_PROMPTS);
            }
        }
    }

    private static void promptsValid(Draft d) {
        // every structure on every axis: ingest refuses a structure some axis lacks
        prompts(d, d.variant(List.of(
                file("[" + VALID_PROMPT + ", {\"structure\": 5, \"axis\": \"coronal\", \"slice\": 15, \"box\": [10, 5,"
                        + " 20, 15]}, {\"structure\": 5, \"axis\": \"sagittal\", \"slice\": 33, \"mask\": [[10, 12, 18]]},"
                        + " {\"structure\": 5, \"axis\": \"sagittal\", \"slice\": 20, \"points\": [{\"x\": 15, \"y\": 10.5,"
                        + " \"label\": 1}]}]"),
                "{\"version\": 2, \"space\": \"ras-voxel\", \"prompts\": [{\"structure\": \"liver\", \"points\": [{\"x\": 20,"
                        + " \"y\": 15, \"z\": 10, \"label\": 1}]}, {\"structure\": 1, \"box\": [30, 12, 6, 37, 18, 15]}]}")),
                VALID);
    }

    // ---- bytes

    private static byte[] compress(byte[] plain, boolean gzip) {
        if (!gzip) {
            return plain;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        return out.toByteArray();
    }

    /** One gzip member: {@code head}, then {@code zeros} zero bytes, compressed a mebibyte at a time. */
    private static byte[] gzipZeros(byte[] head, long zeros) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] block = new byte[1 << 20];
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
            gz.write(head);
            for (long left = zeros; left > 0; left -= block.length) {
                gz.write(block, 0, (int) Math.min(block.length, left));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
