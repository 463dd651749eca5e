package dev.triplane.core.nifti;

import dev.triplane.core.events.Reason;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A single-file NIfTI-1 ({@code n+1}, 348 bytes) or NIfTI-2 ({@code n+2}, 540 bytes) header: the raw bytes as
 * read plus the parsed fields, widened to {@code long}/{@code double} for both versions.
 *
 * <p>Keeping the raw bytes lets {@link NiftiWriter} write a result with every field of the input (affine, codes,
 * pixdim, units, intent, descrip, ...) and patch only what describes the new voxel data. The affine follows
 * nibabel's {@code get_best_affine}: the sform if its code is valid and non-zero, else the qform, else the
 * spacing-only fallback; codes outside 0..5 count as 0, and a qfac other than -1 as 1, as nibabel fixes them on
 * load.
 */
public final class NiftiHeader {

    /** Byte offsets of the fields in each version; widths follow from the version. */
    enum Layout {
        // size, magic, dim, intentP1, intentCode, datatype, bitpix, pixdim, voxOffset, sclSlope, sclInter,
        // calMax, calMin, xyztUnits, descrip, auxFile, qformCode, sformCode, quatern, srow, intentName
        NIFTI1(348, 344, 40, 56, 68, 70, 72, 76, 108, 112, 116, 124, 128, 123, 148, 228, 252, 254, 256, 280, 328),
        NIFTI2(540, 4, 16, 80, 504, 12, 14, 104, 168, 176, 184, 192, 200, 500, 240, 320, 344, 348, 352, 400, 508);

        final int size;
        final int magic;
        final int dim;
        final int intentP1;
        final int intentCode;
        final int datatype;
        final int bitpix;
        final int pixdim;
        final int voxOffset;
        final int sclSlope;
        final int sclInter;
        final int calMax;
        final int calMin;
        final int xyztUnits;
        final int descrip;
        final int auxFile;
        final int qformCode;
        final int sformCode;
        final int quatern;
        final int srow;
        final int intentName;

        Layout(int size, int magic, int dim, int intentP1, int intentCode, int datatype, int bitpix, int pixdim,
                int voxOffset, int sclSlope, int sclInter, int calMax, int calMin, int xyztUnits, int descrip,
                int auxFile, int qformCode, int sformCode, int quatern, int srow, int intentName) {
            this.size = size;
            this.magic = magic;
            this.dim = dim;
            this.intentP1 = intentP1;
            this.intentCode = intentCode;
            this.datatype = datatype;
            this.bitpix = bitpix;
            this.pixdim = pixdim;
            this.voxOffset = voxOffset;
            this.sclSlope = sclSlope;
            this.sclInter = sclInter;
            this.calMax = calMax;
            this.calMin = calMin;
            this.xyztUnits = xyztUnits;
            this.descrip = descrip;
            this.auxFile = auxFile;
            this.qformCode = qformCode;
            this.sformCode = sformCode;
            this.quatern = quatern;
            this.srow = srow;
            this.intentName = intentName;
        }

        boolean wide() {
            return this == NIFTI2;
        }

        /** Width of dim[] and the NIfTI-2 vox_offset. */
        int intBytes() {
            return wide() ? 8 : 2;
        }

        int floatBytes() {
            return wide() ? 8 : 4;
        }

        /** Width of qform/sform/intent codes. */
        int codeBytes() {
            return wide() ? 4 : 2;
        }

        int unitBytes() {
            return wide() ? 4 : 1;
        }

        /**
         * Offset and length of each free-text field: descrip, aux_file, intent_name, and in NIfTI-1 the unused
         * ANALYZE data_type and db_name.
         */
        int[][] textFields() {
            int[][] nifti = {{descrip, 80}, {auxFile, 24}, {intentName, 16}};
            if (wide()) {
                return nifti;
            }
            return new int[][] {nifti[0], nifti[1], nifti[2], {4, 10}, {14, 18}};
        }

        byte[] magicBytes() {
            return wide() ? new byte[] {'n', '+', '2', 0, '\r', '\n', 0x1a, '\n'} : new byte[] {'n', '+', '1', 0};
        }
    }

    private final Layout layout;
    private final ByteOrder order;
    private final byte[] raw;
    private final long[] dim = new long[8];
    private final double[] pixdim = new double[8];
    private final int datatypeCode;
    private final int bitpix;
    private final long voxOffset;
    private final double sclSlope;
    private final double sclInter;
    private final int qformCode;
    private final int sformCode;
    private final double[] quatern = new double[3];
    private final double[] qoffset = new double[3];
    private final double[] srow = new double[12];
    private final int xyztUnits;
    private final int intentCode;
    private final double[] intentParams = new double[3];
    private final String intentName;
    private final String descrip;
    private final String auxFile;
    private final double[] affine;

    private NiftiHeader(Layout layout, ByteOrder order, byte[] raw, String object) {
        this.layout = layout;
        this.order = order;
        this.raw = raw;
        ByteBuffer b = ByteBuffer.wrap(raw).order(order);
        for (int a = 0; a < 8; a++) {
            dim[a] = readInt(b, layout.dim + a * layout.intBytes(), layout.intBytes());
            pixdim[a] = readFloat(b, layout.pixdim + a * layout.floatBytes(), layout.floatBytes());
        }
        for (int a = 0; a < 3; a++) {
            intentParams[a] = readFloat(b, layout.intentP1 + a * layout.floatBytes(), layout.floatBytes());
            quatern[a] = readFloat(b, layout.quatern + a * layout.floatBytes(), layout.floatBytes());
            qoffset[a] = readFloat(b, layout.quatern + (3 + a) * layout.floatBytes(), layout.floatBytes());
        }
        for (int a = 0; a < 12; a++) {
            srow[a] = readFloat(b, layout.srow + a * layout.floatBytes(), layout.floatBytes());
        }
        datatypeCode = b.getShort(layout.datatype);
        bitpix = b.getShort(layout.bitpix);
        if (layout.wide()) {
            voxOffset = b.getLong(layout.voxOffset);
        } else {
            // NIfTI-1 stores the data offset as a float
            float offset = b.getFloat(layout.voxOffset);
            if (!Float.isFinite(offset) || offset != Math.rint(offset)) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "vox_offset " + offset + " is not a byte offset");
            }
            voxOffset = (long) offset;
        }
        sclSlope = readFloat(b, layout.sclSlope, layout.floatBytes());
        sclInter = readFloat(b, layout.sclInter, layout.floatBytes());
        qformCode = (int) readInt(b, layout.qformCode, layout.codeBytes());
        sformCode = (int) readInt(b, layout.sformCode, layout.codeBytes());
        // NIfTI-1 stores the units in an unsigned char
        xyztUnits = (int) readInt(b, layout.xyztUnits, layout.unitBytes()) & (layout.wide() ? -1 : 0xFF);
        intentCode = (int) readInt(b, layout.intentCode, layout.codeBytes());
        intentName = readString(layout.intentName, 16);
        descrip = readString(layout.descrip, 80);
        auxFile = readString(layout.auxFile, 24);
        affine = bestAffine(object);
    }

    /**
     * A little-endian NIfTI-1 header of a new volume on {@code grid}: its affine as the sform (code 1, scanner),
     * no qform, millimetre units, float32 voxels right after the header.
     */
    public static NiftiHeader forGrid(Grid grid) {
        Layout layout = Layout.NIFTI1;
        byte[] raw = new byte[layout.size];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, layout.size);
        b.put(layout.magic, layout.magicBytes());
        long[] dims = {3, grid.nx(), grid.ny(), grid.nz(), 1, 1, 1, 1};
        double[] spacing = grid.spacing();
        double[] pix = {1, spacing[0], spacing[1], spacing[2], 0, 0, 0, 0};
        for (int a = 0; a < 8; a++) {
            writeInt(b, layout.dim + a * layout.intBytes(), layout.intBytes(), dims[a]);
            writeFloat(b, layout.pixdim + a * layout.floatBytes(), layout.floatBytes(), pix[a]);
        }
        b.putShort(layout.datatype, (short) NiftiDatatype.FLOAT32.code());
        b.putShort(layout.bitpix, (short) NiftiDatatype.FLOAT32.bitpix());
        b.putFloat(layout.voxOffset, layout.size + 4);
        writeFloat(b, layout.sclSlope, layout.floatBytes(), 1);
        b.put(layout.xyztUnits, (byte) 2); // NIFTI_UNITS_MM
        writeInt(b, layout.sformCode, layout.codeBytes(), 1);
        double[] affine = grid.affine();
        for (int a = 0; a < 12; a++) {
            writeFloat(b, layout.srow + a * layout.floatBytes(), layout.floatBytes(), affine[a]);
        }
        return parse(raw, "new header");
    }

    /**
     * The header length announced by the first four bytes of a file (its {@code sizeof_hdr}), in either byte
     * order.
     */
    static int headerSize(byte[] first4, String object) {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            int size = ByteBuffer.wrap(first4).order(order).getInt();
            if (size == Layout.NIFTI1.size || size == Layout.NIFTI2.size) {
                return size;
            }
        }
        throw new InvalidVolumeException(object, Reason.BAD_HEADER, "sizeof_hdr is "
                + ByteBuffer.wrap(first4).order(ByteOrder.LITTLE_ENDIAN).getInt() + " (little-endian), expected 348 or 540");
    }

    /** Parses a complete header whose length came from {@link #headerSize}; checks the magic. */
    static NiftiHeader parse(byte[] raw, String object) {
        Layout layout = raw.length == Layout.NIFTI1.size ? Layout.NIFTI1 : Layout.NIFTI2;
        ByteOrder order = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt() == layout.size
                ? ByteOrder.LITTLE_ENDIAN
                : ByteOrder.BIG_ENDIAN;
        byte[] expected = layout.magicBytes();
        byte[] found = Arrays.copyOfRange(raw, layout.magic, layout.magic + expected.length);
        if (!Arrays.equals(expected, found)) {
            String shown = new String(found, 0, 3, StandardCharsets.ISO_8859_1);
            String pair = shown.equals("ni1") || shown.equals("ni2") ? " (.hdr/.img pairs are not supported)" : "";
            throw new InvalidVolumeException(object, Reason.BAD_MAGIC, "magic '" + shown.replaceAll("\\p{Cntrl}", "?")
                    + "' is not the single-file NIfTI-" + (layout.wide() ? 2 : 1) + " magic" + pair);
        }
        return new NiftiHeader(layout, order, raw, object);
    }

    /** 1 or 2. */
    public int version() {
        return layout.wide() ? 2 : 1;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    /** Length of the header in bytes: 348 or 540. */
    public int size() {
        return layout.size;
    }

    /** {@code dim[0..7]}: dim[0] is the number of dimensions, dim[1..3] the voxel counts along i, j, k. */
    public long[] dim() {
        return dim.clone();
    }

    /** {@code pixdim[0..7]}: pixdim[0] is qfac, pixdim[1..3] the voxel size (in {@link #xyztUnits()}). */
    public double[] pixdim() {
        return pixdim.clone();
    }

    public int datatypeCode() {
        return datatypeCode;
    }

    public int bitpix() {
        return bitpix;
    }

    /** Byte offset of the voxel data from the start of the file. */
    public long voxOffset() {
        return voxOffset;
    }

    public double sclSlope() {
        return sclSlope;
    }

    public double sclInter() {
        return sclInter;
    }

    /** Whether stored values are mapped by {@code value * scl_slope + scl_inter}: slope finite, non-zero, not (1, 0). */
    public boolean scaled() {
        return sclSlope != 0 && Double.isFinite(sclSlope) && !(sclSlope == 1 && sclInter == 0);
    }

    public int qformCode() {
        return qformCode;
    }

    public int sformCode() {
        return sformCode;
    }

    /** {@code quatern_b, quatern_c, quatern_d}. */
    public double[] quaternion() {
        return quatern.clone();
    }

    /** {@code qoffset_x, qoffset_y, qoffset_z} in mm. */
    public double[] qoffset() {
        return qoffset.clone();
    }

    /** {@code srow_x, srow_y, srow_z}: the first three rows of the sform, row-major, 12 values. */
    public double[] srow() {
        return srow.clone();
    }

    public int xyztUnits() {
        return xyztUnits;
    }

    public int intentCode() {
        return intentCode;
    }

    /** {@code intent_p1..p3}. */
    public double[] intentParams() {
        return intentParams.clone();
    }

    public String intentName() {
        return intentName;
    }

    public String descrip() {
        return descrip;
    }

    public String auxFile() {
        return auxFile;
    }

    /** The voxel-to-world affine nibabel reports as {@code img.affine}, row-major 4x4. */
    public double[] affine() {
        return affine.clone();
    }

    /** The grid of dims 1..3 (missing dims count as 1), spacing pixdim[1..3] and {@link #affine()}. */
    public Grid grid() {
        return new Grid((int) dim[1], dim[0] >= 2 ? (int) dim[2] : 1, dim[0] >= 3 ? (int) dim[3] : 1,
                new double[] {pixdim[1], pixdim[2], pixdim[3]}, affine);
    }

    /**
     * This header for new voxel data on the same grid: 3 dims, the given datatype, no scaling, no display range,
     * data right after the header and an empty extension flag; every other byte as read.
     *
     * @return the header followed by the 4 extension bytes
     */
    /**
     * This header with its free-text fields blanked: {@code descrip}, {@code aux_file}, {@code intent_name} and,
     * in NIfTI-1, the unused ANALYZE {@code data_type} and {@code db_name}. Converters write names, dates and
     * protocol notes there; no voxel grid or value depends on them.
     */
    public NiftiHeader withoutText() {
        byte[] blank = raw.clone();
        for (int[] field : layout.textFields()) {
            Arrays.fill(blank, field[0], field[0] + field[1], (byte) 0);
        }
        return new NiftiHeader(layout, order, blank, "header without text");
    }

    /** Whether a text field that {@link #withoutText} blanks holds any byte. */
    public boolean hasText() {
        for (int[] field : layout.textFields()) {
            for (int i = field[0]; i < field[0] + field[1]; i++) {
                if (raw[i] != 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The header's bytes as read ({@link #size()} of them). */
    byte[] bytes() {
        return raw.clone();
    }

    byte[] encodeFor(Grid grid, NiftiDatatype type) {
        byte[] out = Arrays.copyOf(raw, layout.size + 4);
        ByteBuffer b = ByteBuffer.wrap(out).order(order);
        long[] dims = {3, grid.nx(), grid.ny(), grid.nz(), 1, 1, 1, 1};
        for (int a = 0; a < 8; a++) {
            writeInt(b, layout.dim + a * layout.intBytes(), layout.intBytes(), dims[a]);
        }
        b.putShort(layout.datatype, (short) type.code());
        b.putShort(layout.bitpix, (short) type.bitpix());
        if (layout.wide()) {
            b.putLong(layout.voxOffset, layout.size + 4);
        } else {
            b.putFloat(layout.voxOffset, layout.size + 4);
        }
        writeFloat(b, layout.sclSlope, layout.floatBytes(), 1);
        writeFloat(b, layout.sclInter, layout.floatBytes(), 0);
        writeFloat(b, layout.calMax, layout.floatBytes(), 0);
        writeFloat(b, layout.calMin, layout.floatBytes(), 0);
        return out;
    }

    private double[] bestAffine(String object) {
        if (validCode(sformCode)) {
            double[] a = new double[16];
            System.arraycopy(srow, 0, a, 0, 12);
            a[15] = 1;
            return a;
        }
        return validCode(qformCode) ? qformAffine(object) : fallbackAffine();
    }

    private static boolean validCode(int code) {
        return code > 0 && code <= 5;
    }

    /** nibabel's {@code get_qform}: rotation from the unit quaternion (a >= 0), times pixdim with qfac on k. */
    private double[] qformAffine(String object) {
        for (double v : new double[] {quatern[0], quatern[1], quatern[2], qoffset[0], qoffset[1], qoffset[2]}) {
            if (!Double.isFinite(v)) {
                // nibabel's affine turns NaN too; the rotation fallback below would silently make it the identity
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "qform quaternion "
                        + Arrays.toString(quatern) + " or offset " + Arrays.toString(qoffset) + " is not finite");
            }
        }
        double b = quatern[0];
        double c = quatern[1];
        double d = quatern[2];
        double w2 = 1 - (b * b + c * c + d * d);
        // nibabel treats |w2| below 3 eps of the stored precision as a 180 degree rotation
        double threshold = 3 * (layout.wide() ? Math.ulp(1.0) : Math.ulp(1.0f));
        if (w2 <= -threshold) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                    "qform quaternion (b, c, d) = " + Arrays.toString(quatern) + " has norm above 1");
        }
        double a = Math.abs(w2) < threshold ? 0 : Math.sqrt(w2);
        double norm = a * a + b * b + c * c + d * d;
        double[] r = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        if (norm >= Math.ulp(1.0)) {
            double s = 2 / norm;
            double x = b * s;
            double y = c * s;
            double z = d * s;
            r = new double[] {
                1 - (c * y + d * z), b * y - a * z, b * z + a * y,
                b * y + a * z, 1 - (b * x + d * z), c * z - a * x,
                b * z - a * y, c * z + a * x, 1 - (b * x + c * y)
            };
        }
        double[] zoom = {pixdim[1], pixdim[2], pixdim[3] * (pixdim[0] == -1 ? -1 : 1)};
        double[] m = new double[16];
        for (int row = 0; row < 3; row++) {
            for (int col = 0; col < 3; col++) {
                m[4 * row + col] = r[3 * row + col] * zoom[col];
            }
            m[4 * row + 3] = qoffset[row];
        }
        m[15] = 1;
        return m;
    }

    /** nibabel's {@code get_base_affine}: spacing on the diagonal, x flipped, the volume centre at the origin. */
    private double[] fallbackAffine() {
        double[] m = new double[16];
        for (int a = 1; a <= 3; a++) {
            boolean present = dim[0] >= a;
            double n = present ? dim[a] : 1;
            double zoom = (present ? pixdim[a] : 1) * (a == 1 ? -1 : 1);
            m[5 * (a - 1)] = zoom;
            m[4 * (a - 1) + 3] = -(n - 1) / 2.0 * zoom;
        }
        m[15] = 1;
        return m;
    }

    private String readString(int offset, int length) {
        int end = offset;
        while (end < offset + length && raw[end] != 0) {
            end++;
        }
        return new String(raw, offset, end - offset, StandardCharsets.ISO_8859_1);
    }

    private static long readInt(ByteBuffer b, int offset, int bytes) {
        return switch (bytes) {
            case 1 -> b.get(offset);
            case 2 -> b.getShort(offset);
            case 4 -> b.getInt(offset);
            default -> b.getLong(offset);
        };
    }

    private static double readFloat(ByteBuffer b, int offset, int bytes) {
        return bytes == 4 ? b.getFloat(offset) : b.getDouble(offset);
    }

    static void writeInt(ByteBuffer b, int offset, int bytes, long value) {
        switch (bytes) {
            case 1 -> b.put(offset, (byte) value);
            case 2 -> b.putShort(offset, (short) value);
            case 4 -> b.putInt(offset, (int) value);
            default -> b.putLong(offset, value);
        }
    }

    static void writeFloat(ByteBuffer b, int offset, int bytes, double value) {
        if (bytes == 4) {
            b.putFloat(offset, (float) value);
        } else {
            b.putDouble(offset, value);
        }
    }
}
