package dev.triplane.core.nifti;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** Every fixture read as nibabel 5.4.2 reads it: header fields, affine and get_fdata() values. */
class NiftiFixtureTest {

    private static final Fixtures NIFTI = Fixtures.of("nifti");
    private static final JsonNode CASES = NIFTI.json("cases.json");

    private final NiftiReader reader = new NiftiReader(ReadLimits.defaults());

    static Stream<String> cases() {
        return CASES.get("cases").propertyNames().stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void readsAsNibabel(String name) {
        JsonNode expected = CASES.get("cases").get(name);
        NiftiImage image = reader.read(NIFTI.file(name));
        NiftiHeader header = image.header();

        assertThat(header.version()).isEqualTo(expected.get("version").asInt());
        assertThat(header.byteOrder()).isEqualTo(
                expected.get("byte_order").asString().equals("big") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        assertThat(header.datatypeCode()).isEqualTo(expected.get("datatype").asInt());
        assertThat(header.sformCode()).isEqualTo(expected.get("sform_code").asInt());
        assertThat(header.qformCode()).isEqualTo(expected.get("qform_code").asInt());
        assertThat(header.descrip()).isEqualTo(expected.get("descrip").asString());
        assertThat(header.xyztUnits()).isEqualTo(expected.get("xyzt_units").asInt());
        double[] shape = Fixtures.doubles(expected.get("shape"));
        Grid grid = image.grid();
        assertThat(new double[] {grid.nx(), grid.ny(), grid.nz()}).containsExactly(shape[0], shape[1], shape[2]);
        assertThat(grid.spacing()).containsExactly(Fixtures.doubles(expected.get("zooms")));
        assertThat(grid.affine()).containsExactly(Fixtures.doubles(expected.get("affine")), within(1e-9));

        double[] data = Fixtures.doubles(expected.get("data"));
        assertThat(data).hasSize(grid.voxelCount());
        // scaled values too: both compute stored * slope + inter in double
        for (int i = 0; i < data.length; i++) {
            assertThat(image.voxel(i)).as("voxel %d", i).isEqualTo(data[i]);
        }
    }

    @Test
    void compressionIsDetectedByContentNotName(@TempDir Path dir) throws IOException {
        Path plainNamedGz = Files.copy(NIFTI.file("dtype_int16.nii"), dir.resolve("plain.nii.gz"));
        Path gzNamedPlain = Files.copy(NIFTI.file("int16.nii.gz"), dir.resolve("compressed.nii"));
        assertThat(reader.read(plainNamedGz).voxel(0)).isEqualTo(-32768);
        assertThat(reader.read(gzNamedPlain).voxel(1)).isEqualTo(32767);
    }

    @Test
    void qformOnlyUsesTheQuaternionWithNegativeQfac() {
        NiftiHeader header = reader.read(NIFTI.file("qform_only.nii")).header();
        assertThat(header.pixdim()[0]).isEqualTo(-1);
        double[] a = header.affine();
        double det = a[0] * (a[5] * a[10] - a[6] * a[9]) - a[1] * (a[4] * a[10] - a[6] * a[8])
                + a[2] * (a[4] * a[9] - a[5] * a[8]);
        assertThat(det).isNegative();
    }

    @Test
    void sformWinsOverQform() {
        NiftiHeader header = reader.read(NIFTI.file("sform_oblique.nii.gz")).header();
        double[] srow = header.srow();
        assertThat(header.affine()).startsWith(srow[0], srow[1], srow[2], srow[3], srow[4]);
    }

    @Test
    void imageVolumeHoldsTheScaledValuesAsFloat() {
        NiftiImage image = reader.read(NIFTI.file("scaled_int16.nii"));
        ImageVolume volume = image.toImageVolume();
        assertThat(volume.grid()).isEqualTo(image.grid());
        for (int i = 0; i < volume.voxels().length; i++) {
            assertThat(volume.voxels()[i]).isEqualTo((float) image.voxel(i));
        }
        assertThat(volume.voxels()[0]).isEqualTo(-13124.41f);
    }

    @Test
    void samplesReadAsNibabel() {
        for (String name : new String[] {"example_ct_sm.nii.gz", "example_seg.nii.gz"}) {
            JsonNode expected = CASES.get("samples").get(name);
            NiftiImage image = reader.read(Fixtures.sample(name));
            assertThat(image.grid().shape()).containsExactly(122, 101, 30);
            assertThat(image.header().datatypeCode()).isEqualTo(expected.get("datatype").asInt());
            assertThat(image.grid().affine()).containsExactly(Fixtures.doubles(expected.get("affine")), within(1e-9));
            assertThat(image.grid().spacing()).containsExactly(Fixtures.doubles(expected.get("zooms")));
            double sum = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < image.grid().voxelCount(); i++) {
                sum += image.voxel(i);
                min = Math.min(min, image.voxel(i));
                max = Math.max(max, image.voxel(i));
            }
            assertThat(sum).isEqualTo(expected.get("sum").doubleValue());
            assertThat(min).isEqualTo(expected.get("min").doubleValue());
            assertThat(max).isEqualTo(expected.get("max").doubleValue());
            for (JsonNode probe : expected.get("probes")) {
                assertThat(image.voxel(probe.get(0).asInt())).isEqualTo(probe.get(1).doubleValue());
            }
        }
    }

    @Test
    void segmentationSampleIsALabelMapBehindItsExtension() {
        NiftiImage image = reader.read(Fixtures.sample("example_seg.nii.gz"));
        assertThat(image.header().voxOffset()).isEqualTo(13168);
        LabelVolume labels = image.toLabelVolume();
        int present = 0;
        boolean[] seen = new boolean[256];
        for (int id : labels.labels()) {
            if (!seen[id]) {
                seen[id] = true;
                present++;
            }
        }
        assertThat(present).isEqualTo(CASES.get("samples").get("example_seg.nii.gz").get("distinct").asInt());
        NiftiImage.requireSameGrid(reader.read(Fixtures.sample("example_ct_sm.nii.gz")).grid(), labels.grid(), "seg");
    }
}
