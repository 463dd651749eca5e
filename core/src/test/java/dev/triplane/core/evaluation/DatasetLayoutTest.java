package dev.triplane.core.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The layout rules on listings as a folder walk and an object-store listing give them. */
class DatasetLayoutTest {

    @Test
    void pairsImagesWithLabelMapsOfTheSameStem() {
        DatasetLayout layout = DatasetLayout.parse(List.of("images/", "images/b.nii", "images/a.nii.gz", "labels/",
                "labels/a.nii.gz", "labels/b.nii.gz", "images/sub/", "notes.txt"), "/d/");
        assertThat(layout.pairs()).isTrue();
        assertThat(layout.cases()).containsExactly(new DatasetLayout.Entry("a", "images/a.nii.gz", "labels/a.nii.gz"),
                new DatasetLayout.Entry("b", "images/b.nii", "labels/b.nii.gz"));
    }

    @Test
    void readsCaseFoldersFromAFolderWalkAndFromObjectKeysAlike() {
        List<DatasetLayout.Entry> expected = List.of(new DatasetLayout.Entry("s1", "s1/ct.nii.gz", "s1/segmentations/"),
                new DatasetLayout.Entry("s2", "s2/ct.nii.gz", "s2/segmentations/"));
        DatasetLayout walk = DatasetLayout.parse(List.of("s2/", "s2/ct.nii.gz", "s2/segmentations/", "s1/",
                "s1/segmentations/", "s1/ct.nii.gz", "other/", "other/readme.md"), "/d/");
        DatasetLayout keys = DatasetLayout.parse(List.of("s2/ct.nii.gz", "s2/segmentations/liver.nii.gz",
                "s1/ct.nii.gz", "s1/segmentations/spleen.nii.gz", "other/readme.md"), "s3://b/p/");
        assertThat(walk.pairs()).isFalse();
        assertThat(walk.cases()).isEqualTo(expected);
        assertThat(keys.cases()).isEqualTo(expected);
    }

    @Test
    void namesWhatBreaksTheLayout() {
        assertThatThrownBy(() -> DatasetLayout.parse(List.of("images/a.nii.gz", "labels/b.nii.gz"), "s3://b/p/"))
                .hasMessageContaining("s3://b/p/images/a.nii.gz").hasMessageContaining("s3://b/p/labels/a.nii.gz");
        assertThatThrownBy(() -> DatasetLayout.parse(List.of("images/a.nii.gz", "images/a.nii", "labels/a.nii"), "/d/"))
                .hasMessageContaining("holds both");
        assertThatThrownBy(() -> DatasetLayout.parse(List.of("s1/ct.nii.gz"), "/d/"))
                .hasMessageContaining("/d/s1/segmentations/");
        assertThatThrownBy(() -> DatasetLayout.parse(List.of("dataset.json", "x/y.nii.gz"), "s3://b/"))
                .hasMessageContaining("s3://b/ is not a dataset").hasMessageContaining("folders only");
        assertThatThrownBy(() -> DatasetLayout.parse(List.of("../ct.nii.gz", "../segmentations/a.nii.gz"), "s3://b/"))
                .hasMessageContaining("'..' is not a case name");
    }
}
