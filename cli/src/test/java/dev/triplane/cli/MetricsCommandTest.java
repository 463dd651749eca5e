package dev.triplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.LabelVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class MetricsCommandTest {

    private static final Path SEG = Path.of("../samples/example_seg.nii.gz");
    private static final int LIVER = 5;
    private static final int SPLEEN = 1;

    @TempDir
    Path tmp;

    /** The sample label map with the liver removed and the spleen moved one voxel along x. */
    private Path perturbedPrediction() throws IOException {
        NiftiImage image = new NiftiReader(ReadLimits.defaults()).read(SEG);
        LabelVolume ref = image.toLabelVolume();
        int[] labels = new int[ref.labels().length];
        for (int i = 0; i < labels.length; i++) {
            int id = ref.labels()[i];
            if (id == SPLEEN) {
                labels[i + 1] = SPLEEN;
            } else if (id != LIVER && labels[i] == 0) {
                labels[i] = id;
            }
        }
        Path pred = tmp.resolve("pred.nii.gz");
        NiftiWriter.write(pred, new LabelVolume(ref.grid(), labels), image.header());
        return pred;
    }

    @Test
    void tablePrintsEveryRequestedStructureByNameWithTheAggregate() {
        CliRun run = CliRun.of("metrics", "--pred", SEG.toString(), "--ref", SEG.toString(), "--labels", "liver,31");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("liver", "vertebrae_L1", "2 structures")
                .containsPattern("\\s5\\s+liver\\s+38634\\s+38634\\s+1\\.0000\\s+1\\.0000\\s+0\\.00");
    }

    @Test
    void jsonReportsMissingStructureAsZeroDiceAndNaNDistancesWithANote() throws IOException {
        Path pred = perturbedPrediction();

        CliRun run = CliRun.of("metrics", "--pred", pred.toString(), "--ref", SEG.toString(), "--labels",
                "liver,spleen", "--profile", "pooled", "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(run.out());
        JsonNode liver = report.get("structures").get(0);
        assertThat(liver.get("name").asString()).isEqualTo("liver");
        assertThat(liver.get("dice").asDouble()).isZero();
        assertThat(liver.get("hd").asString()).isEqualTo("NaN");
        assertThat(liver.get("note").asString()).isNotBlank();
        JsonNode spleen = report.get("structures").get(1);
        assertThat(spleen.get("dice").asDouble()).isStrictlyBetween(0.5, 1.0);
        // A one-voxel shift along x moves every surface voxel by at most the x spacing (3 mm).
        assertThat(spleen.get("hd").asDouble()).isEqualTo(3.0);
        assertThat(spleen.get("profile").asString()).isEqualTo("POOLED");
        assertThat(report.get("aggregate").get("dice").get("count").asInt()).isEqualTo(2);
    }

    @Test
    void groupNameSelectsItsStructures() {
        CliRun run = CliRun.of("metrics", "--pred", SEG.toString(), "--ref", SEG.toString(), "--labels", "bones",
                "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode structures = JsonMapper.builder().build().readTree(run.out()).get("structures");
        // bones of the TotalSegmentator v2 table: 63 ids, scored whether or not the sample holds them
        assertThat(structures.size()).isEqualTo(63);
        assertThat(structures.findValuesAsString("name")).contains("vertebrae_L1", "rib_left_12", "sacrum");
    }

    @Test
    void unknownStructureNameFailsWithItsName() {
        CliRun run = CliRun.of("metrics", "--pred", SEG.toString(), "--ref", SEG.toString(), "--labels", "livr");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("livr");
    }

    @Test
    void badFileFailsWithTheObjectAndTheReason() throws IOException {
        Path bad = Files.write(tmp.resolve("bad.nii"), new byte[400]);

        CliRun run = CliRun.of("metrics", "--pred", bad.toString(), "--ref", SEG.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(bad.toString()).containsAnyOf("BAD_MAGIC", "BAD_HEADER");
    }
}
