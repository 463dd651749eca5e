package dev.triplane.core.nifti;

import dev.triplane.core.events.Reason;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads single-file NIfTI-1 and NIfTI-2 volumes ({@code .nii}, or gzip-compressed, recognised by the 1f 8b
 * magic rather than the name) in either byte order, as {@link NiftiImage}s of at most three used dimensions.
 *
 * <p>Hand-written because no maintained Java NIfTI library on Maven Central reads NIfTI-2 with a bounded inflate.
 * The header is validated and the voxel byte count checked against {@link ReadLimits} before anything is
 * allocated; the data is then decoded in bounded chunks straight into one primitive array of the stored type.
 * Every failure is an {@link InvalidVolumeException} naming the object: malformed headers, limits, truncation
 * ({@link Reason#TRUNCATED}), a damaged gzip stream ({@link Reason#CORRUPT_GZIP}: a gzip file is read to its end,
 * so its CRC and length are checked, within the inflate limit), a declared volume this JVM's heap cannot hold
 * ({@link Reason#RESOURCE_LIMIT}) and other I/O errors ({@link Reason#IO_ERROR}).
 */
public final class NiftiReader {

    private static final int CHUNK_BYTES = 1 << 20;

    private final ReadLimits limits;

    public NiftiReader(ReadLimits limits) {
        this.limits = limits;
    }

    /** Reads a {@code .nii} or {@code .nii.gz} file; errors name the path. */
    public NiftiImage read(Path path) {
        String object = path.toString();
        InputStream in;
        try {
            in = Files.newInputStream(path);
        } catch (IOException e) {
            throw new InvalidVolumeException(object, Reason.IO_ERROR, "cannot open: " + e, e);
        }
        return read(in, object);
    }

    /**
     * Reads a volume from a stream and closes it.
     *
     * @param in the file content, plain or gzip-compressed
     * @param object what errors name, e.g. the object key
     */
    public NiftiImage read(InputStream in, String object) {
        return readWith(in, object, this::decode);
    }

    /**
     * Reads the header of a volume (validated as {@link #read} validates it, voxel data not read) and closes the
     * stream: for callers that need the grid and header of a large volume, not its voxels.
     */
    public NiftiHeader readHeader(InputStream in, String object) {
        return readWith(in, object, (data, gzip, name) -> {
            NiftiHeader header = header(data, name);
            voxelCount(header, datatype(header, name), name);
            return header;
        });
    }

    /** What is read after the gzip test, from the plain stream. */
    @FunctionalInterface
    private interface Decoding<T> {
        T decode(InputStream data, boolean gzip, String object) throws IOException;
    }

    private <T> T readWith(InputStream in, String object, Decoding<T> decoding) {
        try (BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16)) {
            buffered.mark(2);
            boolean gzip = buffered.read() == 0x1f && buffered.read() == 0x8b;
            buffered.reset();
            InputStream data = gzip
                    ? new InflateLimitStream(new GZIPInputStream(buffered, 1 << 16), limits.maxInflatedBytes(), object)
                    : buffered;
            return decoding.decode(data, gzip, object);
        } catch (EOFException e) {
            throw new InvalidVolumeException(object, Reason.TRUNCATED, "file ends early: " + e.getMessage(), e);
        } catch (ZipException e) {
            throw new InvalidVolumeException(object, Reason.CORRUPT_GZIP, "gzip stream: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidVolumeException(object, Reason.IO_ERROR, e.toString(), e);
        }
    }

    private NiftiImage decode(InputStream in, boolean gzip, String object) throws IOException {
        NiftiHeader header = header(in, object);
        NiftiDatatype type = datatype(header, object);
        int count = voxelCount(header, type, object);
        long dataBytes = (long) count * type.bytes();
        if (header.voxOffset() < header.size()) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                    "vox_offset " + header.voxOffset() + " lies inside the " + header.size() + "-byte header");
        }
        if (gzip && header.voxOffset() > limits.maxInflatedBytes() - dataBytes) {
            // fail from the header instead of inflating up to the limit first
            throw new InvalidVolumeException(object, Reason.INFLATE_LIMIT, "vox_offset " + header.voxOffset()
                    + " plus " + dataBytes + " data bytes exceeds the inflate limit of " + limits.maxInflatedBytes());
        }
        if (header.scaled() && !Double.isFinite(header.sclInter())) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER,
                    "scl_slope " + header.sclSlope() + " with non-finite scl_inter " + header.sclInter());
        }
        in.skipNBytes(header.voxOffset() - header.size());

        Voxels voxels;
        try {
            voxels = Voxels.allocate(type, count);
        } catch (OutOfMemoryError e) {
            // a few hundred bytes may declare up to the limit: refuse the file, not the service
            throw new InvalidVolumeException(object, Reason.RESOURCE_LIMIT, "dims " + Arrays.toString(header.dim())
                    + " of " + type + " declare " + dataBytes + " bytes, more than this service's heap holds", e);
        }
        byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, dataBytes)];
        long done = 0;
        int at = 0;
        while (done < dataBytes) {
            int want = (int) Math.min(chunk.length, dataBytes - done);
            int n = in.readNBytes(chunk, 0, want);
            if (n < want) {
                throw new InvalidVolumeException(object, Reason.TRUNCATED,
                        "voxel data ends after " + (done + n) + " of " + dataBytes + " bytes");
            }
            at += voxels.decode(ByteBuffer.wrap(chunk, 0, n).order(header.byteOrder()), at);
            done += n;
        }
        if (gzip) {
            // the trailer's CRC and length are checked only at the end of the stream; concatenated members and
            // zeros after the data count against the inflate limit
            while (in.read(chunk) >= 0) {
                // drained
            }
        }
        return new NiftiImage(object, header, voxels);
    }

    /** Reads the header from the start of an uncompressed stream, nothing more. */
    static NiftiHeader header(InputStream in, String object) throws IOException {
        byte[] first = in.readNBytes(4);
        if (first.length < 4) {
            throw new InvalidVolumeException(object, Reason.TRUNCATED, "file has " + first.length + " bytes, no header");
        }
        byte[] raw = Arrays.copyOf(first, NiftiHeader.headerSize(first, object));
        int got = in.readNBytes(raw, 4, raw.length - 4);
        if (got < raw.length - 4) {
            throw new InvalidVolumeException(object, Reason.TRUNCATED,
                    "header ends after " + (4 + got) + " of " + raw.length + " bytes");
        }
        return NiftiHeader.parse(raw, object);
    }

    private static NiftiDatatype datatype(NiftiHeader header, String object) {
        NiftiDatatype type = NiftiDatatype.ofCode(header.datatypeCode());
        if (type == null) {
            throw new InvalidVolumeException(object, Reason.UNSUPPORTED_DATATYPE, "datatype code "
                    + header.datatypeCode() + " is not one of " + Arrays.toString(NiftiDatatype.values()));
        }
        return type;
    }

    /** Validates dim[] (at most three used dimensions) and the byte limit, before any allocation. */
    private int voxelCount(NiftiHeader header, NiftiDatatype type, String object) {
        long[] dim = header.dim();
        if (dim[0] < 1 || dim[0] > 7) {
            throw new InvalidVolumeException(object, Reason.BAD_DIMENSIONS, "dim[0] = " + dim[0] + ", expected 1..7");
        }
        for (int a = 1; a <= dim[0]; a++) {
            if (dim[a] < 1) {
                throw new InvalidVolumeException(object, Reason.BAD_DIMENSIONS, "dim[" + a + "] = " + dim[a]);
            }
            if (a > 3 && dim[a] > 1) {
                throw new InvalidVolumeException(object, Reason.BAD_DIMENSIONS,
                        "dim[" + a + "] = " + dim[a] + ": only 3D volumes are read " + Arrays.toString(dim));
            }
        }
        long count = 1;
        long bytes;
        try {
            for (int a = 1; a <= Math.min(3, dim[0]); a++) {
                count = Math.multiplyExact(count, dim[a]);
            }
            bytes = Math.multiplyExact(count, type.bytes());
        } catch (ArithmeticException e) {
            throw new InvalidVolumeException(object, Reason.TOO_LARGE, "dims " + Arrays.toString(dim) + " overflow");
        }
        if (bytes > limits.maxVoxelBytes()) {
            throw new InvalidVolumeException(object, Reason.TOO_LARGE, "dims " + Arrays.toString(dim) + " of " + type
                    + " need " + bytes + " bytes, limit " + limits.maxVoxelBytes());
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new InvalidVolumeException(object, Reason.TOO_LARGE, count + " voxels exceed one Java array");
        }
        return (int) count;
    }
}
