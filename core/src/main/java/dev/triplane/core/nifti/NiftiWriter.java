package dev.triplane.core.nifti;

import dev.triplane.core.events.Reason;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntUnaryOperator;
import java.util.zip.GZIPOutputStream;

/**
 * Writes volumes as single-file NIfTI with the header of the volume they were computed from, so results open on
 * the input grid in nibabel, ITK-SNAP and 3D Slicer: version, byte order, sform/qform codes and parameters,
 * pixdim, units, intent and descrip are kept; only dims (3D), datatype, bitpix, vox_offset, scaling (1, 0) and
 * the display range (cal_min/cal_max = 0) change, and extensions are dropped. Labels are stored as uint8 when
 * the largest id is at most 255, else int16 or int32; images as float32, so values read back exactly.
 */
public final class NiftiWriter {

    private static final int CHUNK_BYTES = 1 << 16;

    private NiftiWriter() {}

    /** Writes labels to {@code path}, gzip-compressed when the name ends with {@code .gz}. */
    public static void write(Path path, LabelVolume labels, NiftiHeader template) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), CHUNK_BYTES)) {
            write(out, path.toString(), labels, template, isGzipName(path));
        }
    }

    /** Writes an intensity volume to {@code path}, gzip-compressed when the name ends with {@code .gz}. */
    public static void write(Path path, ImageVolume image, NiftiHeader template) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), CHUNK_BYTES)) {
            write(out, path.toString(), image, template, isGzipName(path));
        }
    }

    /**
     * Writes labels to a stream, which stays open.
     *
     * @param object what errors name
     * @throws InvalidVolumeException {@link Reason#GRID_MISMATCH} when the labels are not on the template's grid,
     *     {@link Reason#NOT_A_LABEL_MAP} for a negative id
     */
    public static void write(OutputStream out, String object, LabelVolume labels, NiftiHeader template, boolean gzip)
            throws IOException {
        int[] v = labels.labels();
        writeLabelIds(out, object, labels.grid(), v.length, i -> v[i], template, gzip);
    }

    /**
     * Writes label ids held as shorts (a label map of up to 32767 structures in half the memory of a
     * {@link LabelVolume}) to {@code path}, gzip-compressed when the name ends with {@code .gz}; stored as
     * {@link #write(OutputStream, String, LabelVolume, NiftiHeader, boolean)} stores them.
     *
     * @param grid the grid {@code ids} lie on, x fastest
     */
    public static void writeLabels(Path path, Grid grid, short[] ids, NiftiHeader template) throws IOException {
        requireVoxelCount(grid, ids.length, path);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), CHUNK_BYTES)) {
            writeLabelIds(out, path.toString(), grid, ids.length, i -> ids[i], template, isGzipName(path));
        }
    }

    /**
     * Writes int16 values as they are, unscaled (the type CT scanners store Hounsfield units in), to {@code path},
     * gzip-compressed when the name ends with {@code .gz}.
     *
     * @param grid the grid {@code values} lie on, x fastest
     */
    public static void writeInt16(Path path, Grid grid, short[] values, NiftiHeader template) throws IOException {
        requireVoxelCount(grid, values.length, path);
        NiftiImage.requireSameGrid(template.grid(), grid, path.toString());
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), CHUNK_BYTES)) {
            writeIntegers(out, template, grid, NiftiDatatype.INT16, values.length, i -> values[i], isGzipName(path));
        }
    }

    private static void writeLabelIds(OutputStream out, String object, Grid grid, int count, IntUnaryOperator id,
                                      NiftiHeader template, boolean gzip) throws IOException {
        NiftiImage.requireSameGrid(template.grid(), grid, object);
        int min = 0;
        int max = 0;
        for (int i = 0; i < count; i++) {
            int v = id.applyAsInt(i);
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (min < 0) {
            throw new InvalidVolumeException(object, Reason.NOT_A_LABEL_MAP, "negative label id " + min);
        }
        writeIntegers(out, template, grid, labelDatatype(max), count, id, gzip);
    }

    /** The narrowest datatype label maps are written in when their largest id is {@code maxId}. */
    public static NiftiDatatype labelDatatype(int maxId) {
        return maxId <= 255 ? NiftiDatatype.UINT8 : maxId <= Short.MAX_VALUE ? NiftiDatatype.INT16
                : NiftiDatatype.INT32;
    }

    /** Writes the header for {@code type} and {@code count} integer voxels, converted chunk by chunk. */
    private static void writeIntegers(OutputStream out, NiftiHeader template, Grid grid, NiftiDatatype type,
                                      int count, IntUnaryOperator value, boolean gzip) throws IOException {
        OutputStream target = gzip ? new GZIPOutputStream(out, CHUNK_BYTES) : out;
        target.write(template.encodeFor(grid, type));
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(template.byteOrder());
        int perChunk = CHUNK_BYTES / type.bytes();
        for (int from = 0; from < count; from += perChunk) {
            int to = Math.min(count, from + perChunk);
            chunk.clear();
            switch (type) {
                case UINT8 -> {
                    for (int i = from; i < to; i++) {
                        chunk.put((byte) value.applyAsInt(i));
                    }
                }
                case INT16 -> {
                    for (int i = from; i < to; i++) {
                        chunk.putShort((short) value.applyAsInt(i));
                    }
                }
                default -> {
                    for (int i = from; i < to; i++) {
                        chunk.putInt(value.applyAsInt(i));
                    }
                }
            }
            target.write(chunk.array(), 0, chunk.position());
        }
        finish(target, gzip);
    }

    private static void requireVoxelCount(Grid grid, int count, Path path) {
        if (count != grid.voxelCount()) {
            throw new IllegalArgumentException(path + ": " + count + " voxels for " + grid);
        }
    }

    /**
     * Writes an intensity volume as float32 to a stream, which stays open.
     *
     * @param object what errors name
     * @throws InvalidVolumeException {@link Reason#GRID_MISMATCH} when the image is not on the template's grid
     */
    public static void write(OutputStream out, String object, ImageVolume image, NiftiHeader template, boolean gzip)
            throws IOException {
        NiftiImage.requireSameGrid(template.grid(), image.grid(), object);
        float[] v = image.voxels();
        OutputStream target = gzip ? new GZIPOutputStream(out, CHUNK_BYTES) : out;
        target.write(template.encodeFor(image.grid(), NiftiDatatype.FLOAT32));
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(template.byteOrder());
        int perChunk = CHUNK_BYTES / 4;
        for (int from = 0; from < v.length; from += perChunk) {
            int n = Math.min(v.length - from, perChunk);
            chunk.asFloatBuffer().put(v, from, n);
            target.write(chunk.array(), 0, n * 4);
        }
        finish(target, gzip);
    }

    /**
     * Whether an uncompressed single-file NIfTI holds what {@link #copyWithoutText} removes: a character in a text
     * field of its header, or extensions (the flag after the header set). Reads the header and the flag only.
     *
     * @throws InvalidVolumeException for a malformed header
     */
    public static boolean holdsText(InputStream nifti, String object) throws IOException {
        NiftiHeader header = NiftiReader.header(nifti, object);
        int extension = nifti.read();
        return header.hasText() || extension > 0;
    }

    /**
     * Copies an uncompressed single-file NIfTI with no free text: the header's text fields blanked
     * ({@link NiftiHeader#withoutText}) and the bytes between the header and {@code vox_offset} zeroed, which
     * clears the extension flag and every extension (DICOM tags, JSON sidecars) while the voxel data stays where
     * it was. The copy reads back to the same volume. The input is read to its end; neither stream is closed.
     *
     * @param object what errors name
     * @throws InvalidVolumeException for a malformed header, or {@code vox_offset} inside it
     */
    public static void copyWithoutText(InputStream nifti, OutputStream out, String object) throws IOException {
        NiftiHeader header = NiftiReader.header(nifti, object);
        long gap = header.voxOffset() - header.size();
        if (gap < 0) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                    "vox_offset " + header.voxOffset() + " lies inside the " + header.size() + "-byte header");
        }
        out.write(header.withoutText().bytes());
        nifti.skipNBytes(gap);
        byte[] zeros = new byte[(int) Math.min(gap, CHUNK_BYTES)];
        for (long left = gap; left > 0; left -= zeros.length) {
            out.write(zeros, 0, (int) Math.min(left, zeros.length));
        }
        nifti.transferTo(out);
    }

    private static boolean isGzipName(Path path) {
        return path.getFileName().toString().endsWith(".gz");
    }

    private static void finish(OutputStream target, boolean gzip) throws IOException {
        if (gzip) {
            ((GZIPOutputStream) target).finish();
        }
        target.flush();
    }
}
