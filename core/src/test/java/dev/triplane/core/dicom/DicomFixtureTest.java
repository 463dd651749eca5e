package dev.triplane.core.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.events.Reason;
import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.InvalidVolumeException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Every series written by tools/dicom/cases.py (pydicom 3.0.2) read as the reference tools read it: the affine
 * within 1e-6 mm of the float64 geometry of pydicom's tags and the voxels equal to pydicom's rescaled pixels; the
 * affine within 1e-4 mm of dcm2niix's NIfTI (float32) and the same voxels once both are in RAS+ order; each bad
 * series refused with its reason.
 */
class DicomFixtureTest {

    private static final Fixtures DICOM = Fixtures.of("dicom");
    private static final JsonNode CASES = DICOM.json("cases.json");

    private final DicomSeriesReader reader = new DicomSeriesReader(ReadLimits.defaults());

    static Stream<JsonNode> good() {
        return CASES.get("good").values().stream();
    }

    static Stream<JsonNode> bad() {
        return CASES.get("bad").values().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("good")
    void readsAsPydicomAndDcm2niix(JsonNode expected) {
        String name = expected.get("name").asString();
        DicomSeries series = reader.read(DICOM.file("series/" + name));
        Grid grid = series.grid();
        int[] shape = Fixtures.ints(expected.get("shape"));
        assertThat(grid.shape()).containsExactly(shape);
        assertThat(grid.spacing()).containsExactly(Fixtures.doubles(expected.get("spacing")), within(1e-9));
        assertThat(grid.affine()).containsExactly(Fixtures.doubles(expected.get("affine")), within(1e-6));
        assertThat(series.transferSyntaxes()).containsExactly(expected.get("transferSyntax").asString());
        assertThat(series.modality()).isEqualTo("CT");

        ImageVolume volume = series.toImageVolume();
        assertThat(volume.voxels()).containsExactly(DICOM.floats(name + ".f32.gz"));

        JsonNode converted = expected.get("dcm2niix");
        if (converted.isNull()) {
            return; // dcm2niix reads no deflated files, and signed 8-bit pixels as unsigned
        }
        ImageVolume reference = new NiftiReader(ReadLimits.defaults()).read(DICOM.file(converted.asString()))
                .toImageVolume();
        ImageVolume ours = Reorientation.toRas(grid).forward(volume);
        ImageVolume theirs = Reorientation.toRas(reference.grid()).forward(reference);
        assertThat(ours.grid().shape()).containsExactly(theirs.grid().shape());
        assertThat(ours.grid().affine()).containsExactly(theirs.grid().affine(), within(1e-4));
        assertThat(ours.voxels()).containsExactly(theirs.voxels());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad")
    void refusesWithItsReason(JsonNode expected) {
        Reason reason = Reason.valueOf(expected.get("reason").asString());
        assertThatThrownBy(() -> reader.read(DICOM.file("bad/" + expected.get("name").asString())))
                .isInstanceOfSatisfying(InvalidVolumeException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
