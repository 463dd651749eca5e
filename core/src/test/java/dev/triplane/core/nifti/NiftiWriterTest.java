package dev.triplane.core.nifti;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.events.Reason;
import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Results written with the input header read back on the input grid, with exact values. */
class NiftiWriterTest {

    private static final Fixtures NIFTI = Fixtures.of("nifti");

    /** Text a converter might leave in a header: any of it in a result is a leak. */
    private static final String MARKER = "PATIENT DOE^JANE 1970-01-01 ACC-4711";

    private final NiftiReader reader = new NiftiReader(ReadLimits.defaults());

    @TempDir
    Path dir;

    @Test
    void segmentationWrittenWithTheCtHeaderOpensOnTheCtGrid() throws IOException {
        NiftiImage ct = reader.read(Fixtures.sample("example_ct_sm.nii.gz"));
        LabelVolume labels = reader.read(Fixtures.sample("example_seg.nii.gz")).toLabelVolume();
        Path out = dir.resolve("seg.nii.gz");
        NiftiWriter.write(out, labels, ct.header());

        assertThat(Files.readAllBytes(out)).startsWith((byte) 0x1f, (byte) 0x8b);
        NiftiImage back = reader.read(out);
        NiftiHeader in = ct.header();
        NiftiHeader written = back.header();
        assertThat(written.datatypeCode()).isEqualTo(NiftiDatatype.UINT8.code());
        assertThat(written.bitpix()).isEqualTo(8);
        assertThat(written.voxOffset()).isEqualTo(352);
        assertThat(written.affine()).containsExactly(in.affine());
        assertThat(written.sformCode()).isEqualTo(in.sformCode());
        assertThat(written.qformCode()).isEqualTo(in.qformCode());
        assertThat(written.srow()).containsExactly(in.srow());
        assertThat(written.quaternion()).containsExactly(in.quaternion());
        assertThat(written.qoffset()).containsExactly(in.qoffset());
        assertThat(written.pixdim()).containsExactly(in.pixdim());
        assertThat(written.xyztUnits()).isEqualTo(in.xyztUnits());
        assertThat(written.descrip()).isEqualTo(in.descrip());
        assertThat(back.grid()).isEqualTo(ct.grid());
        assertThat(back.toLabelVolume().labels()).isEqualTo(labels.labels());
    }

    @Test
    void copyWithoutTextBlanksEveryTextFieldAndExtensionAndKeepsTheVolume() throws IOException {
        byte[] plain = Files.readAllBytes(NIFTI.file("dtype_int16.nii"));
        NiftiImage original = reader.read(new ByteArrayInputStream(plain), "original");
        // NIfTI-1 text: data_type at 4, db_name at 14, descrip at 148, aux_file at 228, intent_name at 328; then a
        // 32-byte comment extension (esize 32, ecode 6) naming the patient, moving the voxels 32 bytes on
        ByteBuffer file = ByteBuffer.allocate(plain.length + 32).order(original.header().byteOrder());
        file.put(plain, 0, 352);
        for (int[] field : new int[][] {{4, 10}, {14, 18}, {148, 80}, {228, 24}, {328, 16}}) {
            byte[] text = MARKER.substring(0, Math.min(MARKER.length(), field[1])).getBytes(StandardCharsets.US_ASCII);
            file.put(field[0], text);
        }
        file.putFloat(108, 352 + 32).put(348, (byte) 1);
        file.putInt(352, 32).putInt(356, 6).put(360, MARKER.getBytes(StandardCharsets.US_ASCII), 0, 24);
        file.put(384, plain, 352, plain.length - 352);
        NiftiImage marked = reader.read(new ByteArrayInputStream(file.array()), "marked");
        assertThat(marked.header().descrip()).isEqualTo(MARKER);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NiftiWriter.copyWithoutText(new ByteArrayInputStream(file.array()), out, "marked");

        byte[] copy = out.toByteArray();
        assertThat(NiftiWriter.holdsText(new ByteArrayInputStream(file.array()), "marked")).isTrue();
        assertThat(NiftiWriter.holdsText(new ByteArrayInputStream(copy), "copy")).isFalse();
        assertThat(new String(copy, StandardCharsets.ISO_8859_1)).doesNotContain("PAT");
        assertThat(copy).hasSize(file.capacity());
        assertThat(copy[348]).as("extension flag").isZero();
        NiftiImage back = reader.read(new ByteArrayInputStream(copy), "copy");
        assertThat(back.header().descrip()).isEmpty();
        assertThat(back.header().auxFile()).isEmpty();
        assertThat(back.header().intentName()).isEmpty();
        assertThat(back.header().affine()).containsExactly(original.header().affine());
        assertThat(back.grid()).isEqualTo(original.grid());
        assertThat(back.toImageVolume().voxels()).containsExactly(original.toImageVolume().voxels());
    }

    @Test
    void aResultWrittenWithAHeaderWithoutTextHasNone() throws IOException {
        byte[] plain = Files.readAllBytes(NIFTI.file("nifti2_float32.nii"));
        // NIfTI-2: descrip at 240, aux_file at 320, intent_name at 508
        System.arraycopy(MARKER.getBytes(StandardCharsets.US_ASCII), 0, plain, 240, MARKER.length());
        System.arraycopy(MARKER.getBytes(StandardCharsets.US_ASCII), 0, plain, 320, 16);
        System.arraycopy(MARKER.getBytes(StandardCharsets.US_ASCII), 0, plain, 508, 16);
        NiftiImage image = reader.read(new ByteArrayInputStream(plain), "nifti2");
        assertThat(image.header().intentName()).isEqualTo(MARKER.substring(0, 16));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NiftiWriter.write(out, "result", image.toImageVolume(), image.header().withoutText(), false);

        assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).doesNotContain("PAT");
        NiftiImage back = reader.read(new ByteArrayInputStream(out.toByteArray()), "result");
        assertThat(back.header().version()).isEqualTo(2);
        assertThat(back.header().descrip()).isEmpty();
        assertThat(back.header().affine()).containsExactly(image.header().affine());
    }

    @Test
    void qformOnlyTemplateKeepsItsQuaternionAndQfac() throws IOException {
        NiftiImage input = reader.read(NIFTI.file("qform_only.nii"));
        int[] ids = new int[input.grid().voxelCount()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % 7;
        }
        Path out = dir.resolve("labels.nii");
        NiftiWriter.write(out, new LabelVolume(input.grid(), ids), input.header());

        assertThat(Files.readAllBytes(out)).hasSize(352 + ids.length);
        NiftiImage back = reader.read(out);
        assertThat(back.header().sformCode()).isZero();
        assertThat(back.header().qformCode()).isEqualTo(1);
        assertThat(back.header().pixdim()[0]).isEqualTo(-1);
        assertThat(back.grid().affine()).containsExactly(input.grid().affine());
        assertThat(back.toLabelVolume().labels()).isEqualTo(ids);
    }

    @Test
    void labelTypeFollowsTheLargestId() throws IOException {
        NiftiHeader template = reader.read(NIFTI.file("dtype_uint8.nii")).header();
        Grid grid = template.grid();
        int[][] cases = {{255, NiftiDatatype.UINT8.code()}, {256, NiftiDatatype.INT16.code()},
            {32767, NiftiDatatype.INT16.code()}, {32768, NiftiDatatype.INT32.code()},
            {Integer.MAX_VALUE, NiftiDatatype.INT32.code()}};
        for (int[] c : cases) {
            int[] ids = new int[grid.voxelCount()];
            ids[3] = c[0];
            ids[100] = 1;
            Path out = dir.resolve("ids-" + c[0] + ".nii");
            NiftiWriter.write(out, new LabelVolume(grid, ids), template);
            NiftiImage back = reader.read(out);
            assertThat(back.header().datatypeCode()).as("max id %d", c[0]).isEqualTo(c[1]);
            assertThat(back.toLabelVolume().labels()).isEqualTo(ids);
        }
    }

    @Test
    void shortLabelIdsAndInt16ValuesAreStoredAsTheyAreInTheTemplatesByteOrder() throws IOException {
        NiftiHeader template = reader.read(NIFTI.file("bigendian_nifti2_float64.nii.gz")).header();
        Grid grid = template.grid();
        short[] values = new short[grid.voxelCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (short) (i * 37 - 1000);
        }
        Path image = dir.resolve("hu.nii.gz");
        NiftiWriter.writeInt16(image, grid, values, template);
        NiftiImage back = reader.read(image);
        assertThat(back.header().byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
        assertThat(back.datatype()).isEqualTo(NiftiDatatype.INT16);
        for (int[] c : new int[][] {{255, NiftiDatatype.UINT8.code()}, {256, NiftiDatatype.INT16.code()}}) {
            short[] ids = new short[grid.voxelCount()];
            ids[1] = (short) c[0];
            Path labels = dir.resolve("ids-" + c[0] + ".nii");
            NiftiWriter.writeLabels(labels, grid, ids, template);
            NiftiImage labelsBack = reader.read(labels);
            assertThat(labelsBack.header().datatypeCode()).as("max id %d", c[0]).isEqualTo(c[1]);
            assertThat(labelsBack.voxel(1)).isEqualTo(c[0]);
            assertThat(labelsBack.voxel(0)).isZero();
        }
        for (int i = 0; i < values.length; i++) {
            assertThat(back.voxel(i)).isEqualTo(values[i]);
        }
    }

    @Test
    void imageRoundTripsExactlyInTheTemplatesVersionAndByteOrder() throws IOException {
        NiftiImage input = reader.read(NIFTI.file("bigendian_nifti2_float64.nii.gz"));
        ImageVolume image = input.toImageVolume();
        Path out = dir.resolve("image.nii.gz");
        NiftiWriter.write(out, image, input.header());

        NiftiImage back = reader.read(out);
        assertThat(back.header().version()).isEqualTo(2);
        assertThat(back.header().byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
        assertThat(back.header().voxOffset()).isEqualTo(544);
        assertThat(back.header().datatypeCode()).isEqualTo(NiftiDatatype.FLOAT32.code());
        assertThat(back.grid()).isEqualTo(input.grid());
        assertThat(back.toImageVolume().voxels()).isEqualTo(image.voxels());
    }

    @Test
    void scaledAndFourDimensionalTemplatesAreWrittenUnscaledIn3d() throws IOException {
        for (String name : new String[] {"scaled_int16.nii", "t1_4d.nii.gz"}) {
            NiftiImage input = reader.read(NIFTI.file(name));
            ImageVolume image = input.toImageVolume();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            NiftiWriter.write(bytes, name, image, input.header(), false);

            NiftiImage back = reader.read(new ByteArrayInputStream(bytes.toByteArray()), name);
            assertThat(back.header().scaled()).isFalse();
            assertThat(back.header().sclSlope()).isEqualTo(1);
            assertThat(back.header().dim()).containsExactly(3, 7, 6, 5, 1, 1, 1, 1);
            assertThat(back.grid()).isEqualTo(input.grid());
            assertThat(back.toImageVolume().voxels()).isEqualTo(image.voxels());
        }
    }

    @Test
    void refusesVolumesOffTheTemplateGridAndNegativeLabels() {
        NiftiHeader template = reader.read(NIFTI.file("dtype_uint8.nii")).header();
        LabelVolume elsewhere = new LabelVolume(Grid.ofSpacing(7, 6, 5, 0.8, 0.9, 1.5), new int[210]);
        assertThatThrownBy(() -> NiftiWriter.write(new ByteArrayOutputStream(), "out.nii", elsewhere, template, false))
                .isInstanceOfSatisfying(InvalidVolumeException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.GRID_MISMATCH);
                    assertThat(e.object()).isEqualTo("out.nii");
                });
        int[] ids = new int[210];
        ids[7] = -2;
        assertThatThrownBy(() -> NiftiWriter.write(new ByteArrayOutputStream(), "out.nii",
                new LabelVolume(template.grid(), ids), template, false))
                .isInstanceOfSatisfying(InvalidVolumeException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NOT_A_LABEL_MAP);
                    assertThat(e).hasMessageContaining("-2");
                });
    }
}
