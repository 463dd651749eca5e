package dev.triplane.core.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.events.Reason;
import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.labels.StructureGroups;
import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three dataset layouts on disk, their label maps, and errors that name the offending path. */
class DatasetTest {

    private static final LabelTable V2 = LabelTable.totalSegmentatorV2();
    private static final NiftiReader READER = new NiftiReader(ReadLimits.defaults());
    private static final Fixtures NIFTI = Fixtures.of("nifti");

    @TempDir
    Path dir;

    @Test
    void samplesFolderIsAManifestDatasetWithOnlyTheRequestedStructures() {
        Dataset samples = Dataset.open(Fixtures.sample(""), V2);
        assertThat(samples).isInstanceOf(PairedDataset.class);
        assertThat(samples.cases()).extracting(DatasetCase::id).containsExactly("example");

        int[] ids = StructureGroups.expand("liver,spleen", V2);
        CaseVolumes example = samples.load(samples.cases().get(0), ids);
        assertThat(example.image().grid().shape()).containsExactly(122, 101, 30);
        assertThat(example.reference().grid()).isEqualTo(example.image().grid());
        // voxel counts of labels 5 (liver) and 1 (spleen) in example_seg.nii.gz, from numpy.unique
        assertThat(example.reference().mask(5).count()).isEqualTo(38634);
        assertThat(example.reference().mask(1).count()).isEqualTo(9452);
        assertThat(example.reference().mask(0).count()).isEqualTo(122 * 101 * 30 - 38634 - 9452);
    }

    @Test
    void totalSegmentatorLayoutBuildsOneLabelMapAndTheFirstRequestedStructureWinsOverlaps() throws IOException {
        NiftiHeader template = template();
        Grid g = template.grid();
        writeCase("s0002", template, g);
        writeCase("s0001", template, g);
        Files.createDirectories(dir.resolve("not-a-case"));

        Dataset ts = Dataset.open(dir, V2);
        assertThat(ts).isInstanceOf(TotalSegmentatorDataset.class);
        assertThat(ts.cases()).extracting(DatasetCase::id).containsExactly("s0001", "s0002");

        CaseVolumes spleenFirst = ts.load(ts.cases().get(0), StructureGroups.expand("spleen,liver", V2));
        int overlap = g.index(2, 0, 0);
        assertThat(spleenFirst.reference().labels()[overlap]).isEqualTo(1);
        assertThat(spleenFirst.reference().mask(1).count()).isEqualTo(3);
        assertThat(spleenFirst.reference().mask(5).count()).isEqualTo(2);
        assertThat(spleenFirst.image().voxels()[g.index(3, 1, 2)]).isEqualTo(g.index(3, 1, 2));

        CaseVolumes liverFirst = ts.load(ts.cases().get(0), StructureGroups.expand("liver,spleen", V2));
        assertThat(liverFirst.reference().labels()[overlap]).isEqualTo(5);

        CaseVolumes liverOnly = ts.load(ts.cases().get(0), StructureGroups.expand("liver", V2));
        assertThat(liverOnly.reference().mask(5).count()).isEqualTo(3);
        assertThat(liverOnly.reference().mask(1).count()).isZero();
    }

    @Test
    void missingOrMisnamedMaskIsNamedWithItsPath() throws IOException {
        NiftiHeader template = template();
        writeCase("s0001", template, template.grid());
        Path liver = dir.resolve("s0001/segmentations/liver.nii.gz");
        Files.move(liver, liver.resolveSibling("Liver.nii.gz"));
        Dataset ts = Dataset.open(dir, V2);

        assertThatThrownBy(() -> ts.load(ts.cases().get(0), StructureGroups.expand("spleen,liver", V2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(liver.toString()).hasMessageContaining("'liver'");
    }

    @Test
    void maskOnAnotherGridIsAGridMismatchNamingTheMask() throws IOException {
        NiftiHeader template = template();
        writeCase("s0001", template, template.grid());
        NiftiHeader other = READER.read(NIFTI.file("int16.nii.gz")).header();
        Path spleen = dir.resolve("s0001/segmentations/spleen.nii.gz");
        NiftiWriter.write(spleen, new LabelVolume(other.grid(), new int[other.grid().voxelCount()]), other);
        Dataset ts = Dataset.open(dir, V2);

        assertThatThrownBy(() -> ts.load(ts.cases().get(0), StructureGroups.expand("spleen", V2)))
                .isInstanceOfSatisfying(InvalidVolumeException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.GRID_MISMATCH))
                .hasMessageContaining(spleen.toString());
    }

    @Test
    void caseFolderWithoutSegmentationsAndFolderWithoutCasesAreRefused() throws IOException {
        assertThatThrownBy(() -> Dataset.open(dir, V2)).hasMessageContaining(dir.toString())
                .hasMessageContaining("ct.nii.gz");
        NiftiHeader template = template();
        Files.createDirectories(dir.resolve("s0001"));
        NiftiWriter.write(dir.resolve("s0001/ct.nii.gz"), ct(template.grid()), template);
        assertThatThrownBy(() -> Dataset.open(dir, V2))
                .hasMessageContaining(dir.resolve("s0001/segmentations").toString());
    }

    @Test
    void imageAndLabelFoldersPairByName() throws IOException {
        NiftiHeader template = template();
        Grid g = template.grid();
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("labels"));
        int[] labels = new int[g.voxelCount()];
        labels[4] = 7;
        NiftiWriter.write(dir.resolve("images/b.nii.gz"), ct(g), template);
        NiftiWriter.write(dir.resolve("labels/b.nii.gz"), new LabelVolume(g, labels), template);
        NiftiWriter.write(dir.resolve("images/a.nii"), ct(g), template);
        NiftiWriter.write(dir.resolve("labels/a.nii"), new LabelVolume(g, labels.clone()), template);

        Dataset pairs = Dataset.open(dir, V2);
        assertThat(pairs.cases()).extracting(DatasetCase::id).containsExactly("a", "b");
        assertThat(pairs.load(pairs.cases().get(1), new int[] {7}).reference().labels()[4]).isEqualTo(7);
        assertThat(pairs.load(pairs.cases().get(1), new int[] {5}).reference().mask(0).count())
                .isEqualTo(g.voxelCount());

        Files.delete(dir.resolve("labels/b.nii.gz"));
        assertThatThrownBy(() -> Dataset.open(dir, V2)).hasMessageContaining(dir.resolve("images/b.nii.gz").toString())
                .hasMessageContaining(dir.resolve("labels/b.nii.gz").toString());
    }

    @Test
    void manifestErrorsNameTheManifestOrTheMissingFile() throws IOException {
        Files.writeString(dir.resolve("dataset.json"), "{\"cases\":[{\"id\":\"x\",\"image\":\"ct.nii.gz\"}]}");
        assertThatThrownBy(() -> Dataset.open(dir, V2)).hasMessageContaining(dir.resolve("dataset.json").toString())
                .hasMessageContaining("\"labels\"");

        Files.writeString(dir.resolve("dataset.json"),
                "{\"cases\":[{\"id\":\"x\",\"image\":\"ct.nii.gz\",\"labels\":\"seg.nii.gz\"}]}");
        assertThatThrownBy(() -> Dataset.open(dir, V2)).hasMessageContaining(dir.resolve("ct.nii.gz").toString())
                .hasMessageContaining("case 'x'");

        Files.writeString(dir.resolve("dataset.json"), "{\"cases\": [");
        assertThatThrownBy(() -> Dataset.open(dir, V2)).hasMessageContaining("not valid JSON");
    }

    private static NiftiHeader template() {
        return READER.read(NIFTI.file("dtype_int16.nii")).header();
    }

    /** CT voxel = its flat index; spleen at x = 0..2 and liver at x = 2..4 of row (y 0, z 0): x = 2 overlaps. */
    private void writeCase(String id, NiftiHeader template, Grid g) throws IOException {
        Path seg = Files.createDirectories(dir.resolve(id).resolve("segmentations"));
        NiftiWriter.write(dir.resolve(id).resolve("ct.nii.gz"), ct(g), template);
        int[] spleen = new int[g.voxelCount()];
        int[] liver = new int[g.voxelCount()];
        for (int x = 0; x < 3; x++) {
            spleen[g.index(x, 0, 0)] = 1;
            liver[g.index(x + 2, 0, 0)] = 1;
        }
        NiftiWriter.write(seg.resolve("spleen.nii.gz"), new LabelVolume(g, spleen), template);
        NiftiWriter.write(seg.resolve("liver.nii.gz"), new LabelVolume(g, liver), template);
    }

    private static ImageVolume ct(Grid g) {
        float[] v = new float[g.voxelCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return new ImageVolume(g, v);
    }
}
