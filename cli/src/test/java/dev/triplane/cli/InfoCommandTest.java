package dev.triplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class InfoCommandTest {

    private static final Path DICOM = Path.of("../core/src/test/resources/fixtures/dicom");

    @Test
    void aNiftiFileShowsItsGridAndHeader() {
        CliRun run = CliRun.of("info", "../samples/example_ct_sm.nii.gz", "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode info = JsonMapper.builder().build().readTree(run.out());
        assertThat(info.get("format").asString()).isEqualTo("NIfTI-1");
        assertThat(info.get("shape").size()).isEqualTo(3);
        assertThat(info.get("orientation").asString()).hasSize(3);
        assertThat(info.get("nifti").get("sformCode").isInt()).isTrue();
        assertThat(info.get("range").get(0).asDouble()).isLessThan(info.get("range").get(1).asDouble());
    }

    @Test
    void aDicomSeriesShowsItsUidsSyntaxAndTheReferenceAffine() {
        JsonNode cases = JsonMapper.builder().build().readTree(DICOM.resolve("cases.json").toFile());
        JsonNode big = null;
        for (JsonNode c : cases.get("good")) {
            if (c.get("name").asString().equals("big_endian")) {
                big = c;
            }
        }
        CliRun run = CliRun.of("info", DICOM.resolve("series/big_endian").toString(), "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode info = JsonMapper.builder().build().readTree(run.out());
        assertThat(info.get("format").asString()).isEqualTo("DICOM");
        assertThat(info.get("dicom").get("transferSyntaxUids").get(0).asString()).isEqualTo("1.2.840.10008.1.2.2");
        assertThat(info.get("dicom").get("seriesInstanceUid").asString()).startsWith("1.2.826.0.1.3680043.10.1561.2.");
        assertThat(info.get("dicom").get("files").asInt()).isEqualTo(8);
        assertThat(info.get("orientation").asString()).isEqualTo("LPS");
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++) {
                assertThat(info.get("affine").get(r).get(c).asDouble())
                        .isCloseTo(big.get("affine").get(4 * r + c).asDouble(), within(1e-9));
            }
        }

        CliRun text = CliRun.of("info", DICOM.resolve("series/big_endian/IM0003").toString());
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("DICOM", "seriesInstanceUid", "1.2.840.10008.1.2.2", "[16, 12, 1]");
    }

    @Test
    void aRefusedSeriesPrintsItsReasonAndExitsNonZero() {
        CliRun run = CliRun.of("info", DICOM.resolve("bad/gantry_tilt").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("DICOM_GANTRY_TILT");

        CliRun json = CliRun.of("info", DICOM.resolve("bad/jpeg2000").toString(), "--json");
        assertThat(json.exitCode()).isEqualTo(2);
        JsonNode info = JsonMapper.builder().build().readTree(json.out());
        assertThat(info.get("reason").asString()).isEqualTo("DICOM_UNSUPPORTED_SYNTAX");
        assertThat(info.get("detail").asString()).contains("1.2.840.10008.1.2.4.90", "JPEG 2000");
    }
}
