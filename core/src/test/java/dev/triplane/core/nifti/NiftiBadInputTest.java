package dev.triplane.core.nifti;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.triplane.core.events.Reason;
import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Malformed and hostile files, generated from valid fixtures by patching header fields at their offsets. */
class NiftiBadInputTest {

    private static final Fixtures NIFTI = Fixtures.of("nifti");
    private static final String OBJECT = "s3://bucket/bad-input.nii";
    private final NiftiReader reader = new NiftiReader(ReadLimits.defaults());

    /** dtype_float32.nii: NIfTI-1, little-endian, 7x6x5 float32, data at 352. */
    private static ByteBuffer nifti1() throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(NIFTI.file("dtype_float32.nii"))).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** nifti2_float32.nii: NIfTI-2, little-endian, 7x6x5 float32, data at 544. */
    private static ByteBuffer nifti2() throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(NIFTI.file("nifti2_float32.nii"))).order(ByteOrder.LITTLE_ENDIAN);
    }

    private InvalidVolumeException failure(NiftiReader r, byte[] file) {
        InvalidVolumeException e = catchThrowableOfType(InvalidVolumeException.class,
                () -> r.read(new ByteArrayInputStream(file), OBJECT));
        assertThat(e).as("expected an InvalidVolumeException").isNotNull();
        assertThat(e.object()).isEqualTo(OBJECT);
        assertThat(e.getMessage()).startsWith(OBJECT + ": " + e.reason() + ": ");
        return e;
    }

    private InvalidVolumeException failure(byte[] file) {
        return failure(reader, file);
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void wrongMagic() throws IOException {
        ByteBuffer b = nifti1();
        b.put(344, (byte) 'x');
        assertThat(failure(b.array()).reason()).isEqualTo(Reason.BAD_MAGIC);

        b.put(344, (byte) 'n').put(345, (byte) 'i');
        assertThat(failure(b.array())).hasMessageContaining("pairs are not supported");

        ByteBuffer v2 = nifti2();
        v2.put(9, (byte) 0);
        assertThat(failure(v2.array()).reason()).isEqualTo(Reason.BAD_MAGIC);
    }

    @Test
    void wrongSizeofHdr() throws IOException {
        ByteBuffer b = nifti1();
        b.putInt(0, 349);
        assertThat(failure(b.array())).extracting(InvalidVolumeException::reason).isEqualTo(Reason.BAD_HEADER);
        assertThat(failure(b.array())).hasMessageContaining("sizeof_hdr is 349");
    }

    @Test
    void dimsNotPositive() throws IOException {
        ByteBuffer b = nifti1();
        b.putShort(44, (short) 0);
        assertThat(failure(b.array())).hasMessageContaining("dim[2] = 0")
                .extracting(InvalidVolumeException::reason).isEqualTo(Reason.BAD_DIMENSIONS);
        b.putShort(44, (short) 6).putShort(42, (short) -7);
        assertThat(failure(b.array()).reason()).isEqualTo(Reason.BAD_DIMENSIONS);
    }

    @Test
    void dimCountOutOfRange() throws IOException {
        for (short n : new short[] {0, 8, -3}) {
            ByteBuffer b = nifti1();
            b.putShort(40, n);
            assertThat(failure(b.array())).hasMessageContaining("dim[0] = " + n)
                    .extracting(InvalidVolumeException::reason).isEqualTo(Reason.BAD_DIMENSIONS);
        }
    }

    @Test
    void usedDimensionBeyondThree() throws IOException {
        ByteBuffer b = nifti1();
        b.putShort(40, (short) 5).putShort(48, (short) 1).putShort(50, (short) 3);
        assertThat(failure(b.array())).hasMessageContaining("dim[5] = 3")
                .extracting(InvalidVolumeException::reason).isEqualTo(Reason.BAD_DIMENSIONS);

        b.putShort(50, (short) 1);
        NiftiImage singletons = reader.read(new ByteArrayInputStream(b.array()), OBJECT);
        assertThat(singletons.grid().shape()).containsExactly(7, 6, 5);
    }

    @Test
    void lyingHugeDimsFailOnTheLimitBeforeAllocating() throws IOException {
        ByteBuffer b = nifti2();
        b.putShort(12, (short) NiftiDatatype.INT16.code()).putShort(14, (short) 16);
        b.putLong(24, 60000).putLong(32, 60000).putLong(40, 60000);
        InvalidVolumeException e = failure(b.array());
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e).hasMessageContaining("432000000000000 bytes");

        b.putLong(24, 1L << 40).putLong(32, 1L << 40);
        assertThat(failure(b.array())).hasMessageContaining("overflow")
                .extracting(InvalidVolumeException::reason).isEqualTo(Reason.TOO_LARGE);
    }

    @Test
    void voxelBytesAboveConfiguredLimit() throws IOException {
        NiftiReader small = new NiftiReader(new ReadLimits(7 * 6 * 5 * 4 - 1, 1 << 20));
        InvalidVolumeException e = failure(small, nifti1().array());
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e).hasMessageContaining("need 840 bytes, limit 839");
        assertThat(new NiftiReader(new ReadLimits(840, 1 << 20)).read(NIFTI.file("dtype_float32.nii")).grid().voxelCount())
                .isEqualTo(210);
    }

    @Test
    void truncatedData() throws IOException {
        byte[] whole = nifti1().array();
        assertThat(failure(Arrays.copyOf(whole, whole.length - 3))).hasMessageContaining("837 of 840 bytes")
                .extracting(InvalidVolumeException::reason).isEqualTo(Reason.TRUNCATED);
        assertThat(failure(Arrays.copyOf(whole, 200))).hasMessageContaining("header ends after 200 of 348 bytes")
                .extracting(InvalidVolumeException::reason).isEqualTo(Reason.TRUNCATED);
        assertThat(failure(new byte[0]).reason()).isEqualTo(Reason.TRUNCATED);

        byte[] gz = Files.readAllBytes(NIFTI.file("sform_oblique.nii.gz"));
        assertThat(failure(Arrays.copyOf(gz, gz.length / 2)).reason()).isEqualTo(Reason.TRUNCATED);
        byte[] gzShortData = gzip(Arrays.copyOf(whole, whole.length - 8));
        assertThat(failure(gzShortData)).hasMessageContaining("832 of 840 bytes");
    }

    @Test
    void gzipBombIsRefusedFromItsHeader() throws IOException {
        // 2048 x 2048 x 16 uint8: 64 MiB of zeros behind a valid header, about 64 KiB compressed
        ByteBuffer header = nifti1();
        header.putShort(70, (short) NiftiDatatype.UINT8.code()).putShort(72, (short) 8);
        header.putShort(42, (short) 2048).putShort(44, (short) 2048).putShort(46, (short) 16);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(header.array(), 0, 352);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                gz.write(zeros);
            }
        }
        assertThat(out.size()).isLessThan(1 << 20);
        NiftiReader limited = new NiftiReader(new ReadLimits(1L << 30, 1 << 20));
        InvalidVolumeException e = failure(limited, out.toByteArray());
        assertThat(e.reason()).isEqualTo(Reason.INFLATE_LIMIT);
        assertThat(e).hasMessageContaining("67108864 data bytes exceeds the inflate limit of 1048576");
    }

    @Test
    void inflateLimitStreamStopsAtTheLimit() throws IOException {
        byte[] bomb = gzip(new byte[16 << 20]);
        long limit = 100_000;
        long delivered = 0;
        InvalidVolumeException stop = null;
        try (InputStream in = new InflateLimitStream(new GZIPInputStream(new ByteArrayInputStream(bomb)), limit, OBJECT)) {
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                delivered += n;
            }
        } catch (InvalidVolumeException e) {
            stop = e;
        }
        assertThat(stop).isNotNull();
        assertThat(stop.reason()).isEqualTo(Reason.INFLATE_LIMIT);
        assertThat(stop.object()).isEqualTo(OBJECT);
        assertThat(delivered).isLessThanOrEqualTo(limit);
    }

    @Test
    void hugeExtensionInGzipIsRefused() throws IOException {
        ByteBuffer b = nifti1();
        b.putFloat(108, 500_000_000f);
        NiftiReader limited = new NiftiReader(new ReadLimits(1L << 30, 1 << 20));
        assertThat(failure(limited, gzip(b.array())).reason()).isEqualTo(Reason.INFLATE_LIMIT);
        assertThat(failure(limited, b.array()).reason()).isEqualTo(Reason.TRUNCATED);
    }

    @Test
    void aDamagedGzipStreamIsCorruptGzipEvenWhenItsDataIsComplete() throws IOException {
        byte[] gz = gzip(nifti1().array());
        for (int at : new int[] {gz.length - 8, gz.length - 1}) { // CRC-32, then ISIZE
            byte[] damaged = gz.clone();
            damaged[at] ^= 1;
            assertThat(failure(damaged)).hasMessageContaining("Corrupt GZIP trailer")
                    .extracting(InvalidVolumeException::reason).isEqualTo(Reason.CORRUPT_GZIP);
        }
        byte[] otherMethod = gz.clone();
        otherMethod[2] = 9;
        assertThat(failure(otherMethod).reason()).isEqualTo(Reason.CORRUPT_GZIP);
        // the data complete, the trailer cut
        assertThat(failure(Arrays.copyOf(gz, gz.length - 3)).reason()).isEqualTo(Reason.TRUNCATED);
    }

    @Test
    void whatFollowsTheDataInAGzipStreamCountsAgainstTheInflateLimit() throws IOException {
        byte[] whole = nifti1().array();
        byte[] bomb = gzip(Arrays.copyOf(whole, whole.length + (2 << 20)));
        NiftiReader limited = new NiftiReader(new ReadLimits(1L << 30, 1 << 20));
        assertThat(failure(limited, bomb).reason()).isEqualTo(Reason.INFLATE_LIMIT);

        // concatenated members are one stream, as gzip reads them
        byte[] members = new byte[0];
        for (byte[] part : new byte[][] {Arrays.copyOf(whole, 100), Arrays.copyOfRange(whole, 100, whole.length)}) {
            byte[] member = gzip(part);
            members = Arrays.copyOf(members, members.length + member.length);
            System.arraycopy(member, 0, members, members.length - member.length, member.length);
        }
        assertThat(limited.read(new ByteArrayInputStream(members), OBJECT).voxel(17))
                .isEqualTo(reader.read(new ByteArrayInputStream(whole), OBJECT).voxel(17));
    }

    @Test
    void aSingularOrNonFiniteAffineIsRefusedBeforeAnyStepReorientsByIt() throws IOException {
        for (float v : new float[] {0, Float.NaN}) {
            ByteBuffer b = nifti1(); // sform code 2
            for (int i = 0; i < 12; i++) {
                b.putFloat(280 + 4 * i, i == 0 || i == 10 ? 1 : v); // srow_y all v: no world axis for j
            }
            NiftiImage image = reader.read(new ByteArrayInputStream(b.array()), OBJECT);
            Runnable[] uses = {image::requireImageValues, image::toImageVolume, image::toLabelVolume};
            for (Runnable use : uses) {
                assertThatThrownBy(use::run).isInstanceOfSatisfying(InvalidVolumeException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.BAD_HEADER);
                    assertThat(e).hasMessageContaining("sform code 2").hasMessageContaining("singular or not finite");
                });
            }
        }
    }

    @Test
    void aQformWithANonFiniteQuaternionIsRefusedNotTakenAsNoRotation() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(NIFTI.file("qform_only.nii"))).order(ByteOrder.LITTLE_ENDIAN);
        b.putFloat(256, Float.NaN);
        assertThat(failure(b.array())).hasMessageContaining("is not finite")
                .extracting(InvalidVolumeException::reason).isEqualTo(Reason.BAD_HEADER);
    }

    @Test
    void dimsTheHeapCannotHoldAreAResourceLimitNotAnOutOfMemoryError() throws IOException {
        // 32767 x 32767 x 2 int64: 17 GB declared by a 352-byte header, within limits set as high as they go
        assumeTrue(Runtime.getRuntime().maxMemory() < 16L << 30, "needs a heap under 16 GB");
        ByteBuffer b = nifti1();
        b.putShort(42, Short.MAX_VALUE).putShort(44, Short.MAX_VALUE).putShort(46, (short) 2);
        b.putShort(70, (short) NiftiDatatype.INT64.code()).putShort(72, (short) 64);
        NiftiReader unlimited = new NiftiReader(new ReadLimits(Long.MAX_VALUE, Long.MAX_VALUE));
        assertThat(failure(unlimited, Arrays.copyOf(b.array(), 352)))
                .hasMessageContaining("more than this service's heap")
                .extracting(InvalidVolumeException::reason).isEqualTo(Reason.RESOURCE_LIMIT);
    }

    @Test
    void nonFiniteVoxels() throws IOException {
        ByteBuffer b = nifti1();
        b.putFloat(352 + 4 * 17, Float.NaN);
        NiftiImage nan = reader.read(new ByteArrayInputStream(b.array()), OBJECT);
        assertThatThrownBy(nan::toImageVolume).isInstanceOfSatisfying(InvalidVolumeException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.NON_FINITE_VOXELS);
            assertThat(e.object()).isEqualTo(OBJECT);
            assertThat(e).hasMessageContaining("voxel 17 (i=3, j=2, k=0) is NaN");
        });

        ByteBuffer inf = nifti1();
        inf.putFloat(352 + 4 * 200, Float.NEGATIVE_INFINITY);
        assertThatThrownBy(reader.read(new ByteArrayInputStream(inf.array()), OBJECT)::toImageVolume)
                .isInstanceOfSatisfying(InvalidVolumeException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NON_FINITE_VOXELS);
                    assertThat(e).hasMessageContaining("voxel 200 ").hasMessageContaining("-Infinity");
                });

        NiftiImage big = reader.read(NIFTI.file("dtype_float64.nii"));
        big.toImageVolume();
        ByteBuffer f64 = ByteBuffer.wrap(Files.readAllBytes(NIFTI.file("dtype_float64.nii"))).order(ByteOrder.LITTLE_ENDIAN);
        f64.putDouble(352 + 8 * 9, 1e300);
        assertThatThrownBy(reader.read(new ByteArrayInputStream(f64.array()), OBJECT)::toImageVolume)
                .hasMessageContaining("beyond float32")
                .extracting(e -> ((InvalidVolumeException) e).reason()).isEqualTo(Reason.NON_FINITE_VOXELS);
    }

    @Test
    void imageValuesAreCheckedWithoutAFloatCopyAsToImageVolumeChecksThem() throws IOException {
        ByteBuffer b = nifti1();
        b.putFloat(352 + 4 * 17, Float.NaN);
        assertThatThrownBy(reader.read(new ByteArrayInputStream(b.array()), OBJECT)::requireImageValues)
                .hasMessageContaining("voxel 17 (i=3, j=2, k=0) is NaN")
                .extracting(e -> ((InvalidVolumeException) e).reason()).isEqualTo(Reason.NON_FINITE_VOXELS);
        ByteBuffer f64 = ByteBuffer.wrap(Files.readAllBytes(NIFTI.file("dtype_float64.nii")))
                .order(ByteOrder.LITTLE_ENDIAN);
        f64.putDouble(352 + 8 * 9, 1e300);
        assertThatThrownBy(reader.read(new ByteArrayInputStream(f64.array()), OBJECT)::requireImageValues)
                .hasMessageContaining("beyond float32");

        reader.read(NIFTI.file("dtype_int16.nii")).requireImageValues();
        reader.read(NIFTI.file("dtype_float64.nii")).requireImageValues();
        // integers are finite, but a scaling can carry them beyond float32
        ByteBuffer scaled = ByteBuffer.wrap(Files.readAllBytes(NIFTI.file("dtype_int16.nii")))
                .order(ByteOrder.LITTLE_ENDIAN);
        scaled.putFloat(112, 1e36f);
        assertThatThrownBy(reader.read(new ByteArrayInputStream(scaled.array()), OBJECT)::requireImageValues)
                .hasMessageContaining("beyond float32");
    }

    @Test
    void zeroOrNegativeSpacing() throws IOException {
        for (float spacing : new float[] {0f, -1.5f, Float.NaN}) {
            ByteBuffer b = nifti1();
            b.putFloat(76 + 4 * 2, spacing);
            NiftiImage image = reader.read(new ByteArrayInputStream(b.array()), OBJECT);
            for (Runnable convert : new Runnable[] {image::toImageVolume, image::toLabelVolume}) {
                assertThatThrownBy(convert::run).isInstanceOfSatisfying(InvalidVolumeException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.BAD_SPACING);
                    assertThat(e.object()).isEqualTo(OBJECT);
                    assertThat(e).hasMessageContaining(String.valueOf((double) spacing));
                });
            }
        }
    }

    @Test
    void unsupportedDatatype() throws IOException {
        for (short code : new short[] {32, 128, 1536, 0}) {
            ByteBuffer b = nifti1();
            b.putShort(70, code);
            assertThat(failure(b.array())).hasMessageContaining("datatype code " + code)
                    .extracting(InvalidVolumeException::reason).isEqualTo(Reason.UNSUPPORTED_DATATYPE);
        }
    }

    @Test
    void voxOffsetInsideTheHeaderOrFractional() throws IOException {
        ByteBuffer b = nifti1();
        b.putFloat(108, 100);
        assertThat(failure(b.array())).hasMessageContaining("vox_offset 100 lies inside the 348-byte header")
                .extracting(InvalidVolumeException::reason).isEqualTo(Reason.BAD_HEADER);
        b.putFloat(108, 352.5f);
        assertThat(failure(b.array()).reason()).isEqualTo(Reason.BAD_HEADER);
        ByteBuffer v2 = nifti2();
        v2.putLong(168, 0);
        assertThat(failure(v2.array())).hasMessageContaining("540-byte header");
    }

    @Test
    void scalingWithNonFiniteIntercept() throws IOException {
        ByteBuffer b = nifti1();
        b.putFloat(112, 2f).putFloat(116, Float.POSITIVE_INFINITY);
        assertThat(failure(b.array()).reason()).isEqualTo(Reason.BAD_HEADER);
    }

    @Test
    void qformQuaternionLongerThanOne() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(NIFTI.file("qform_only.nii"))).order(ByteOrder.LITTLE_ENDIAN);
        b.putFloat(256, 0.9f).putFloat(260, 0.9f);
        assertThat(failure(b.array())).hasMessageContaining("quaternion")
                .extracting(InvalidVolumeException::reason).isEqualTo(Reason.BAD_HEADER);
    }

    @Test
    void notALabelMap() {
        for (String name : new String[] {"dtype_float32.nii", "dtype_int8.nii", "scaled_int16.nii"}) {
            NiftiImage image = reader.read(NIFTI.file(name));
            assertThatThrownBy(image::toLabelVolume).isInstanceOfSatisfying(InvalidVolumeException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.NOT_A_LABEL_MAP);
                assertThat(e.object()).endsWith(name);
            });
        }
        assertThat(reader.read(NIFTI.file("dtype_uint16.nii")).toLabelVolume().labels()[1]).isEqualTo(65535);
    }

    @Test
    void labelsOnADifferentGrid() {
        Grid image = reader.read(NIFTI.file("dtype_int16.nii")).grid();
        Grid shifted = new Grid(7, 6, 5, image.spacing(), shift(image.affine(), 0.5));
        Grid otherShape = Grid.ofSpacing(7, 6, 4, 0.8, 0.9, 1.5);
        for (Grid labels : new Grid[] {shifted, otherShape}) {
            assertThatThrownBy(() -> NiftiImage.requireSameGrid(image, labels, "labels.nii.gz"))
                    .isInstanceOfSatisfying(InvalidVolumeException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.GRID_MISMATCH);
                        assertThat(e.object()).isEqualTo("labels.nii.gz");
                        assertThat(e).hasMessageContaining(labels.toString()).hasMessageContaining(image.toString());
                    });
        }
        NiftiImage.requireSameGrid(image, new Grid(7, 6, 5, image.spacing(), shift(image.affine(), 1e-6)), "labels");
        // NaN equals nothing, itself included
        Grid nanSpacing = new Grid(7, 6, 5, new double[] {Double.NaN, 0.9, 1.5}, image.affine());
        Grid nanAffine = new Grid(7, 6, 5, image.spacing(), shift(image.affine(), Double.NaN));
        for (Grid labels : new Grid[] {nanSpacing, nanAffine}) {
            assertThat(image.sameGrid(labels, 1e-4)).isFalse();
            assertThat(labels.sameGrid(labels, 1e-4)).isFalse();
        }
    }

    @Test
    void missingFileIsAnIoError() {
        Path missing = Path.of("does-not-exist.nii.gz");
        assertThatThrownBy(() -> reader.read(missing)).isInstanceOfSatisfying(InvalidVolumeException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.IO_ERROR);
            assertThat(e.object()).isEqualTo(missing.toString());
        });
    }

    private static double[] shift(double[] affine, double mm) {
        double[] a = affine.clone();
        a[3] += mm;
        return a;
    }
}
