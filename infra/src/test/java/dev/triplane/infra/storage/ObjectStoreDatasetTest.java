package dev.triplane.infra.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.evaluation.CaseVolumes;
import dev.triplane.core.evaluation.Dataset;
import dev.triplane.core.evaluation.DatasetCase;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.labels.StructureGroups;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Datasets under a prefix of the real local S3 server give the same cases and volumes as the same files in a
 * folder.
 */
class ObjectStoreDatasetTest {

    private static final Path SAMPLES = Path.of("..", "samples");
    private static final LabelTable V2 = LabelTable.totalSegmentatorV2();
    private static final int[] LIVER_SPLEEN = StructureGroups.expand("liver,spleen", V2);
    private static final LocalStack STACK = SharedLocalStack.get();

    private static ObjectStore store;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        store = new MinioObjectStore(STACK.s3(), STACK.bucket());
        store.ensureBucket();
    }

    @AfterAll
    static void close() {
        store.close();
    }

    private static String uniquePrefix() {
        return "datasets/" + UUID.randomUUID().toString().substring(0, 8) + "/";
    }

    /** Uploads every file below {@code folder} to {@code prefix} + its relative path. */
    private static void upload(Path folder, String prefix) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                store.put(prefix + folder.relativize(f).toString().replace('\\', '/'), f, "application/gzip");
            }
        }
    }

    private static void assertSameVolumes(CaseVolumes actual, CaseVolumes expected) {
        assertThat(actual.id()).isEqualTo(expected.id());
        assertThat(actual.image().grid()).isEqualTo(expected.image().grid());
        assertThat(actual.image().voxels()).isEqualTo(expected.image().voxels());
        assertThat(actual.reference().labels()).isEqualTo(expected.reference().labels());
        assertThat(actual.reference().mask(5).count()).as("liver voxels").isPositive();
    }

    @Test
    void imageAndLabelPairsLoadAsTheSampleFolderAndAreFetchedOnce() throws IOException {
        String prefix = uniquePrefix();
        store.put(prefix + "images/example.nii.gz", SAMPLES.resolve("example_ct_sm.nii.gz"), "application/gzip");
        store.put(prefix + "labels/example.nii.gz", SAMPLES.resolve("example_seg.nii.gz"), "application/gzip");
        Dataset folder = Dataset.open(SAMPLES, V2);
        Path cache = tmp.resolve("cache");

        ObjectStoreDataset bucket = ObjectStoreDataset.open(store, prefix.substring(0, prefix.length() - 1), V2, cache);
        assertThat(bucket.source()).isEqualTo("s3://" + STACK.bucket() + "/" + prefix);
        assertThat(bucket.cases()).extracting(DatasetCase::id)
                .containsExactlyElementsOf(folder.cases().stream().map(DatasetCase::id).toList());
        assertThat(cache).doesNotExist();

        DatasetCase example = bucket.cases().get(0);
        assertSameVolumes(bucket.load(example, LIVER_SPLEEN), folder.load(folder.cases().get(0), LIVER_SPLEEN));
        assertThat(cache.resolve("images/example.nii.gz"))
                .hasSameBinaryContentAs(SAMPLES.resolve("example_ct_sm.nii.gz"));

        // the cached files serve the next load without the store
        store.delete(prefix + "images/example.nii.gz");
        store.delete(prefix + "labels/example.nii.gz");
        assertThat(bucket.load(example, LIVER_SPLEEN).reference().mask(1).count()).isPositive();
    }

    @Test
    void totalSegmentatorLayoutLoadsAsTheFolderAndFetchesOnlyTheRequestedMasks() throws IOException {
        Path folder = tmp.resolve("ts");
        NiftiImage seg = new NiftiReader(ReadLimits.defaults()).read(SAMPLES.resolve("example_seg.nii.gz"));
        for (String c : List.of("s0002", "s0001", "s0001-b")) {
            Path masks = Files.createDirectories(folder.resolve(c).resolve("segmentations"));
            Files.copy(SAMPLES.resolve("example_ct_sm.nii.gz"), folder.resolve(c).resolve("ct.nii.gz"));
            for (String name : List.of("liver", "spleen", "kidney_left")) {
                int id = V2.idOf(name);
                int[] labels = seg.toLabelVolume().labels();
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = labels[i] == id ? 1 : 0;
                }
                NiftiWriter.write(masks.resolve(name + ".nii.gz"), new LabelVolume(seg.grid(), labels), seg.header());
            }
        }
        Files.createDirectories(folder.resolve("notes"));
        Files.writeString(folder.resolve("notes/readme.txt"), "not a case");
        String prefix = uniquePrefix();
        upload(folder, prefix);
        Dataset local = Dataset.open(folder, V2);
        Path cache = tmp.resolve("cache");

        ObjectStoreDataset bucket = ObjectStoreDataset.open(store, prefix, V2, cache);
        assertThat(bucket.cases()).extracting(DatasetCase::id).containsExactly("s0001", "s0001-b", "s0002")
                .containsExactlyElementsOf(local.cases().stream().map(DatasetCase::id).toList());
        CaseVolumes loaded = bucket.load(bucket.cases().get(2), LIVER_SPLEEN);
        assertSameVolumes(loaded, local.load(local.cases().get(2), LIVER_SPLEEN));
        assertThat(loaded.reference().mask(1).count()).as("spleen voxels").isPositive();
        try (Stream<Path> files = Files.walk(cache)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> cache.relativize(p).toString()))
                    .containsExactlyInAnyOrder("s0002/ct.nii.gz", "s0002/segmentations/liver.nii.gz",
                            "s0002/segmentations/spleen.nii.gz");
        }

        store.delete(prefix + "s0001/segmentations/spleen.nii.gz");
        ObjectStoreDataset withoutSpleen = ObjectStoreDataset.open(store, prefix, V2, cache);
        assertThatThrownBy(() -> withoutSpleen.load(withoutSpleen.cases().get(0), LIVER_SPLEEN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s3://" + STACK.bucket() + "/" + prefix + "s0001/segmentations/spleen.nii.gz")
                .hasMessageContaining("'spleen'");
    }

    @Test
    void prefixWithoutADatasetOrWithAnUnpairedImageIsRefusedByName() {
        String prefix = uniquePrefix();
        assertThatThrownBy(() -> ObjectStoreDataset.open(store, prefix, V2, tmp))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(prefix)
                .hasMessageContaining("ct.nii.gz");

        store.put(prefix + "images/a.nii.gz", new byte[] {1}, "application/gzip");
        store.put(prefix + "images/b.nii.gz", new byte[] {1}, "application/gzip");
        store.put(prefix + "labels/a.nii.gz", new byte[] {1}, "application/gzip");
        assertThatThrownBy(() -> ObjectStoreDataset.open(store, prefix, V2, tmp))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(prefix + "images/b.nii.gz");

        String other = uniquePrefix();
        store.put(other + "s1/ct.nii.gz", new byte[] {1}, "application/gzip");
        assertThatThrownBy(() -> ObjectStoreDataset.open(store, other, V2, tmp))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(other + "s1/segmentations/");
    }

    @Test
    void locationsParseFromTheCommandLineForm() {
        assertThat(ObjectStoreDataset.Location.parse("s3://data/ts/v2"))
                .isEqualTo(new ObjectStoreDataset.Location("data", "ts/v2/"));
        assertThat(ObjectStoreDataset.Location.parse("s3://data"))
                .isEqualTo(new ObjectStoreDataset.Location("data", ""));
        assertThat(ObjectStoreDataset.Location.parse("s3://data/ts/").toString()).isEqualTo("s3://data/ts/");
        assertThat(ObjectStoreDataset.Location.isUri("samples")).isFalse();
        assertThatThrownBy(() -> ObjectStoreDataset.Location.parse("s3:///ts")).hasMessageContaining("s3:///ts");
        assertThatThrownBy(() -> ObjectStoreDataset.Location.parse("samples")).hasMessageContaining("samples");
    }
}
