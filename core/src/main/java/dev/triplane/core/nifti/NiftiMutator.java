package dev.triplane.core.nifti;

import dev.triplane.core.nifti.NiftiHeader.Layout;
import dev.triplane.core.volume.Grid;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A single-file NIfTI-1 or NIfTI-2 file as header fields and byte regions that can each be set to any value,
 * valid or not: the seeds and mutations of the fuzz corpus ({@code dev.triplane.core.synthetic.FuzzCorpus}).
 * It writes the fields at the offsets {@link NiftiHeader} reads them from, in either byte order, so a mutation
 * names a field instead of an offset. Results are written by {@link NiftiWriter}, not here.
 */
public final class NiftiMutator {

    private final Layout layout;
    private final ByteOrder order;
    /** The header and the four extension-flag bytes after it. */
    private final ByteBuffer header;
    private byte[] extension = new byte[0];
    private byte[] data;
    private Double voxOffset;

    private NiftiMutator(Layout layout, ByteOrder order, byte[] data) {
        this.layout = layout;
        this.order = order;
        this.header = ByteBuffer.allocate(layout.size + 4).order(order);
        this.data = data;
    }

    /**
     * A valid file: {@code values} (x fastest) on {@code grid} stored as {@code type} without scaling, the grid's
     * affine as the sform (code 1, scanner), no qform, millimetre units, no extension.
     *
     * @param version 1 or 2
     */
    public static NiftiMutator of(Grid grid, NiftiDatatype type, double[] values, int version, ByteOrder order) {
        if (values.length != grid.voxelCount() || (version != 1 && version != 2)) {
            throw new IllegalArgumentException(values.length + " values on " + grid + ", NIfTI-" + version);
        }
        Layout layout = version == 1 ? Layout.NIFTI1 : Layout.NIFTI2;
        NiftiMutator m = new NiftiMutator(layout, order, encode(type, values, order));
        m.sizeofHdr(layout.size).magic(layout.magicBytes()).datatype(type.code()).bitpix(type.bitpix())
                .scaling(1, 0).codes(0, 1);
        long[] dims = {3, grid.nx(), grid.ny(), grid.nz(), 1, 1, 1, 1};
        double[] spacing = grid.spacing();
        double[] pix = {1, spacing[0], spacing[1], spacing[2], 0, 0, 0, 0};
        for (int a = 0; a < 8; a++) {
            m.dim(a, dims[a]).pixdim(a, pix[a]);
        }
        NiftiHeader.writeInt(m.header, layout.xyztUnits, layout.unitBytes(), 2); // NIFTI_UNITS_MM
        double[] affine = grid.affine();
        for (int i = 0; i < 12; i++) {
            m.srow(i, affine[i]);
        }
        return m;
    }

    /** The values in {@code type}'s stored form and {@code order}, as a file holds its voxel data. */
    public static byte[] encode(NiftiDatatype type, double[] values, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocate(values.length * type.bytes()).order(order);
        for (double v : values) {
            switch (type) {
                case UINT8, INT8 -> b.put((byte) (long) v);
                case INT16, UINT16 -> b.putShort((short) (long) v);
                case INT32, UINT32 -> b.putInt((int) (long) v);
                case INT64 -> b.putLong((long) v);
                case FLOAT32 -> b.putFloat((float) v);
                case FLOAT64 -> b.putDouble(v);
            }
        }
        return b.array();
    }

    /** 1 or 2. */
    public int version() {
        return layout.wide() ? 2 : 1;
    }

    /** 348 or 540. */
    public int headerSize() {
        return layout.size;
    }

    /** Where the voxel data starts in {@link #bytes()}: after the header, the flag and any extension. */
    public int dataStart() {
        return layout.size + 4 + extension.length;
    }

    public NiftiMutator sizeofHdr(int size) {
        header.putInt(0, size);
        return this;
    }

    /** The magic bytes, written from the magic field on (4 for NIfTI-1, 8 for NIfTI-2 are valid lengths). */
    public NiftiMutator magic(byte[] magic) {
        header.put(layout.magic, magic);
        return this;
    }

    /** {@code dim[a]}, truncated to the field's width (int16 in NIfTI-1). */
    public NiftiMutator dim(int a, long value) {
        NiftiHeader.writeInt(header, layout.dim + a * layout.intBytes(), layout.intBytes(), value);
        return this;
    }

    public NiftiMutator pixdim(int a, double value) {
        NiftiHeader.writeFloat(header, layout.pixdim + a * layout.floatBytes(), layout.floatBytes(), value);
        return this;
    }

    public NiftiMutator datatype(int code) {
        header.putShort(layout.datatype, (short) code);
        return this;
    }

    public NiftiMutator bitpix(int bitpix) {
        header.putShort(layout.bitpix, (short) bitpix);
        return this;
    }

    /**
     * An explicit {@code vox_offset} (float in NIfTI-1, so NaN or fractions are possible; int64 in NIfTI-2);
     * without one it is {@link #dataStart()}.
     */
    public NiftiMutator voxOffset(double offset) {
        voxOffset = offset;
        return this;
    }

    public NiftiMutator scaling(double slope, double inter) {
        NiftiHeader.writeFloat(header, layout.sclSlope, layout.floatBytes(), slope);
        NiftiHeader.writeFloat(header, layout.sclInter, layout.floatBytes(), inter);
        return this;
    }

    public NiftiMutator codes(int qform, int sform) {
        NiftiHeader.writeInt(header, layout.qformCode, layout.codeBytes(), qform);
        NiftiHeader.writeInt(header, layout.sformCode, layout.codeBytes(), sform);
        return this;
    }

    /** {@code quatern_b, c, d, qoffset_x, y, z} as {@code i} = 0..5. */
    public NiftiMutator quatern(int i, double value) {
        NiftiHeader.writeFloat(header, layout.quatern + i * layout.floatBytes(), layout.floatBytes(), value);
        return this;
    }

    /** Entry {@code i} (0..11, row-major) of {@code srow_x, srow_y, srow_z}. */
    public NiftiMutator srow(int i, double value) {
        NiftiHeader.writeFloat(header, layout.srow + i * layout.floatBytes(), layout.floatBytes(), value);
        return this;
    }

    /** Free text (80 bytes at most): makes files of the same content distinct. */
    public NiftiMutator descrip(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        header.put(layout.descrip, bytes, 0, Math.min(bytes.length, 79));
        return this;
    }

    /**
     * One extension after the header with the flag set: {@code esize} and {@code ecode} as given (valid or not)
     * followed by {@code body}.
     */
    public NiftiMutator extension(int esize, int ecode, byte[] body) {
        header.put(layout.size, (byte) 1);
        extension = ByteBuffer.allocate(8 + body.length).order(order).putInt(esize).putInt(ecode).put(body).array();
        return this;
    }

    public byte[] data() {
        return data.clone();
    }

    public NiftiMutator data(byte[] bytes) {
        data = bytes.clone();
        return this;
    }

    /** The whole file: header, extension flag, extension and data. */
    public byte[] bytes() {
        double offset = voxOffset != null ? voxOffset : dataStart();
        if (layout.wide()) {
            header.putLong(layout.voxOffset, (long) offset);
        } else {
            header.putFloat(layout.voxOffset, (float) offset);
        }
        return ByteBuffer.allocate(dataStart() + data.length).put(header.array()).put(extension).put(data).array();
    }
}
