package dev.triplane.core.nifti;

import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.InvalidVolumeException.Reason;
import dev.triplane.core.volume.LabelVolume;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
        NiftiImage.requireSameGrid(template.grid(), labels.grid(), object);
        int[] v = labels.labels();
        int min = 0;
        int max = 0;
        for (int id : v) {
            min = Math.min(min, id);
            max = Math.max(max, id);
        }
        if (min < 0) {
            throw new InvalidVolumeException(object, Reason.NOT_A_LABEL_MAP, "negative label id " + min);
        }
        NiftiDatatype type = max <= 255 ? NiftiDatatype.UINT8 : max <= Short.MAX_VALUE ? NiftiDatatype.INT16 : NiftiDatatype.INT32;
        OutputStream target = gzip ? new GZIPOutputStream(out, CHUNK_BYTES) : out;
        target.write(template.encodeFor(labels.grid(), type));
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(template.byteOrder());
        int perChunk = CHUNK_BYTES / type.bytes();
        for (int from = 0; from < v.length; from += perChunk) {
            int to = Math.min(v.length, from + perChunk);
            chunk.clear();
            switch (type) {
                case UINT8 -> {
                    for (int i = from; i < to; i++) {
                        chunk.put((byte) v[i]);
                    }
                }
                case INT16 -> {
                    for (int i = from; i < to; i++) {
                        chunk.putShort((short) v[i]);
                    }
                }
                default -> {
                    chunk.asIntBuffer().put(v, from, to - from);
                    chunk.position((to - from) * 4);
                }
            }
            target.write(chunk.array(), 0, chunk.position());
        }
        finish(target, gzip);
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
