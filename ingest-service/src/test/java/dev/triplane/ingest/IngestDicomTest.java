package dev.triplane.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.triplane.core.dicom.DicomSeries;
import dev.triplane.core.dicom.DicomSeriesReader;
import dev.triplane.core.dicom.DicomSource;
import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.storage.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * DICOM series into the inbox of the service on a real broker and S3 server, with core's fixture series copied
 * into the bucket: a folder taken only once its marker is there, a zip dropped and uploaded, a study of a CT series,
 * an MR series and a CT series with a missing slice, labels in another voxel order, hostile zips, a re-drop, the
 * README's quick start (the sample series with the sample labels). Runs in
 * a surefire execution of its own (its own broker and bucket: the inbox scanners of other tests' contexts would
 * take its drops too), its scanner driven by the test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "triplane.ingest.inbox.enabled=false", "triplane.limits.max-inflated-bytes=4MB"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngestDicomTest {

    private static final Path FIXTURES = Path.of("..", "core", "src", "test", "resources", "fixtures", "dicom");
    private static final String TOKEN = "ingest-dicom-test-token-0123456789abcdef";
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Liver, in a block of each test series (16 x 12 x 8 voxels). */
    private static final int LIVER = 5;
    private static final DicomSeriesReader READER = new DicomSeriesReader(ReadLimits.defaults());
    private static final NiftiReader NIFTI = new NiftiReader(ReadLimits.defaults());

    private static final LocalStack STACK = SharedLocalStack.get();
    private static final Topics TOPICS = Topics.load();
    private static TopicReader<VolumeAccepted> volumes;
    private static TopicReader<AxisJob> jobs;
    private static TopicReader<ErrorEvent> errors;
    private static TopicReader<VolumeStatus> statuses;

    @Autowired
    private ObjectStore store;
    @Autowired
    private ObjectKeys keys;
    @Autowired
    private InboxScanner scanner;
    @Autowired
    private JsonMapper json;
    @Autowired
    private Environment environment;

    @TempDir
    private Path dir;

    @DynamicPropertySource
    static void stack(DynamicPropertyRegistry registry) {
        STACK.serviceProperties().forEach((name, value) -> registry.add(name, () -> value));
        registry.add("triplane.ingest.inbox.work-dir", () -> "target");
        registry.add("triplane.ingest.auth.mode", () -> "token");
        registry.add("triplane.ingest.auth.token", () -> TOKEN);
    }

    @BeforeAll
    static void readers() {
        volumes = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.VOLUMES), VolumeAccepted.class);
        jobs = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.AXIS_JOBS), AxisJob.class);
        errors = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.ERRORS), ErrorEvent.class);
        statuses = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.STATUS), VolumeStatus.class);
    }

    @AfterAll
    static void closeReaders() {
        volumes.close();
        jobs.close();
        errors.close();
        statuses.close();
    }

    @Test
    @Order(1)
    void aFolderIsTakenOnceItsMarkerIsThereAsOneVolumeInTheSeriesOwnVoxelOrder() throws IOException {
        DicomSeries series = READER.read(series("axial_lps"));
        String volumeId = volumeId(series);
        put(series("axial_lps"), "inbox/dcm/axial/");
        store.put("inbox/dcm/axial_seg.nii.gz", labelsFile(series.grid(), labels(series.grid())), null);

        assertThat(scanner.scan()).as("no marker yet: a series still uploading is not read").isZero();
        store.put("inbox/dcm/axial.ready", new byte[0], null);
        assertThat(scanner.scan()).isEqualTo(1);

        VolumeAccepted accepted = accepted(volumeId);
        assertThat(accepted.source()).isEqualTo("inbox/dcm/axial/");
        assertThat(accepted.shape()).containsExactly(16, 12, 8);
        assertThat(accepted.structures()).containsExactly(LIVER);
        assertThat(accepted.orientation()).isEqualTo("LPS");
        await().atMost(WAIT).untilAsserted(() -> assertThat(jobsOf(volumeId)).hasSize(3)
                .allSatisfy(j -> assertThat(j.prompts().source()).isEqualTo(PromptPolicy.Source.LABELS)));
        // the canonical image: the series' HU values on its grid, in its voxel order
        NiftiImage image = stored(keys.image(volumeId));
        assertThat(image.grid().sameGrid(series.grid(), NiftiImage.GRID_TOLERANCE_MM)).isTrue();
        assertThat(image.toImageVolume().voxels()).containsExactly(series.toImageVolume().voxels());
        // what fusion's SEG writer reads: the source images in slice order, Patient and Study
        try (InputStream in = store.get(keys.dicomSource(volumeId))) {
            DicomSource source = json.readValue(in, DicomSource.class);
            assertThat(source).isEqualTo(DicomSource.of(series));
            assertThat(source.patientStudy()).containsEntry("PATIENT_ID", "FIXTURE");
        }
        // the source's Patient and Study values stay in the bucket: no event carries them
        assertThat(volumes.readToEnd().toString() + jobs.readToEnd()).doesNotContain("FIXTURE", "Fixture");
    }

    @Test
    @Order(2)
    void labelsInAnotherVoxelOrderOnTheSameWorldGridAreBroughtToTheSeriesOrderAndOthersRefused() throws IOException {
        DicomSeries series = READER.read(series("coronal"));
        String volumeId = volumeId(series);
        Reorientation toRas = Reorientation.toRas(series.grid());
        assertThat(toRas.isIdentity()).as("the labels are dropped in another voxel order").isFalse();
        int[] labels = labels(series.grid());
        put(series("coronal"), "inbox/dcm/cor/");
        store.put("inbox/dcm/cor_seg.nii.gz", labelsFile(toRas.target(), toRas.forward(labels)), null);
        store.put("inbox/dcm/cor.ready", new byte[0], null);

        scanner.scan();

        VolumeAccepted accepted = accepted(volumeId);
        assertThat(accepted.structures()).containsExactly(LIVER);
        NiftiImage stored = stored(accepted.labelsKey());
        assertThat(stored.grid().sameGrid(series.grid(), NiftiImage.GRID_TOLERANCE_MM)).isTrue();
        assertThat(stored.toLabelVolume().labels()).containsExactly(labels);

        // labels 1 mm off the series' grid, in any order, are on another grid
        DicomSeries other = READER.read(series("uint8_rescale"));
        double[] shifted = other.grid().affine();
        shifted[3] += 1;
        Grid off = new Grid(other.grid().nx(), other.grid().ny(), other.grid().nz(), other.grid().spacing(), shifted);
        put(series("uint8_rescale"), "inbox/dcm/off/");
        store.put("inbox/dcm/off_seg.nii.gz", labelsFile(off, labels(off)), null);
        store.put("inbox/dcm/off.ready", new byte[0], null);

        scanner.scan();

        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> e.object().equals("inbox/dcm/off_seg.nii.gz")).singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo(Reason.GRID_MISMATCH)));
    }

    @Test
    @Order(3)
    void aZipDroppedWithWorldSpacePromptsIsOneVolume() throws IOException {
        DicomSeries series = READER.read(series("oblique_rescale"));
        String volumeId = volumeId(series);
        // a point at voxel (8, 6, 4), given in LPS millimetres as a DICOM viewer shows it
        double[] a = series.grid().affine();
        double[] ras = new double[3];
        for (int r = 0; r < 3; r++) {
            ras[r] = a[4 * r] * 8 + a[4 * r + 1] * 6 + a[4 * r + 2] * 4 + a[4 * r + 3];
        }
        String prompts = String.format(Locale.ROOT, "{\"version\": 2, \"space\": \"LPS\", \"prompts\": ["
                + "{\"structure\": \"liver\", \"points\": [{\"x\": %s, \"y\": %s, \"z\": %s, \"label\": 1}]}]}",
                -ras[0], -ras[1], ras[2]);
        store.put("inbox/zips/obl.prompts.json", prompts.getBytes(StandardCharsets.UTF_8), null);
        store.put("inbox/zips/obl.zip", zip(Map.of("study/", series("oblique_rescale"))), null);

        scanner.scan();

        VolumeAccepted accepted = accepted(volumeId);
        assertThat(accepted.source()).isEqualTo("inbox/zips/obl.zip");
        assertThat(accepted.structures()).containsExactly(LIVER);
        assertThat(accepted.labelsKey()).isNull();
        await().atMost(WAIT).untilAsserted(() -> assertThat(jobsOf(volumeId)).hasSize(3)
                .allSatisfy(j -> assertThat(j.prompts().source()).isEqualTo(PromptPolicy.Source.FILE)));
        assertThat(store.exists(keys.dicomSource(volumeId))).isTrue();
    }

    @Test
    @Order(4)
    void aZipUploadedIsOneVolumePerCtSeries() throws IOException {
        DicomSeries series = READER.read(series("reversed_slices"));
        String volumeId = volumeId(series);
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", named(zip(Map.of("", series("reversed_slices"))), "series.zip"));
        parts.add("labels", named(Files.readAllBytes(labelsFile(series.grid(), labels(series.grid()))),
                "series_seg.nii.gz"));

        JsonNode answer = post(parts, 202);

        assertThat(answer.get("volumeId").asString()).isEqualTo(volumeId);
        assertThat(answer.get("outcome").asString()).isEqualTo("ACCEPTED");
        assertThat(answer.get("series")).hasSize(1);
        assertThat(accepted(volumeId).source()).isEqualTo("upload:image");
        assertThat(post(parts, 202).get("outcome").asString()).isEqualTo("ALREADY_INGESTED");
    }

    @Test
    @Order(5)
    void aStudyGivesAVolumePerCtSeriesNamesTheOthersAndRefusesABadSeriesAlone() throws IOException {
        DicomSeries ct = READER.read(series("implicit_uint12_rescale"));
        String volumeId = volumeId(ct);
        String mr = READER.readStudy(FIXTURES.resolve("bad/not_ct")).others().keySet().iterator().next();
        String gap = READER.readStudy(FIXTURES.resolve("bad/missing_slice")).refused().keySet().iterator().next();
        Map<String, Path> study = new LinkedHashMap<>();
        study.put("ct/", series("implicit_uint12_rescale"));
        study.put("mr/", FIXTURES.resolve("bad/not_ct"));
        study.put("gap/", FIXTURES.resolve("bad/missing_slice"));
        store.put("inbox/study/s1_seg.nii.gz", labelsFile(ct.grid(), labels(ct.grid())), null);
        store.put("inbox/study/s1.zip", zip(study), null);

        scanner.scan();

        accepted(volumeId);
        String refusedId = ObjectKeys.volumeId(("dicom-series:" + gap).getBytes(StandardCharsets.UTF_8));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(errors.poll()).filteredOn(e -> refusedId.equals(e.volumeId())).singleElement()
                    .satisfies(e -> {
                        assertThat(e.object()).isEqualTo("inbox/study/s1.zip");
                        assertThat(e.reason()).isEqualTo(Reason.DICOM_MISSING_SLICE);
                    });
            List<VolumeStatus> seen = statuses.poll();
            assertThat(seen).filteredOn(s -> refusedId.equals(s.volumeId())).singleElement()
                    .satisfies(s -> assertThat(s.state()).isEqualTo(VolumeStatus.State.REJECTED));
            assertThat(seen).filteredOn(s -> volumeId.equals(s.volumeId())).singleElement().satisfies(s -> {
                assertThat(s.state()).isEqualTo(VolumeStatus.State.ACCEPTED);
                assertThat(s.detail()).contains(mr + " MR").doesNotContain(gap, "FIXTURE");
            });
        });
        assertThat(volumes.readToEnd()).extracting(VolumeAccepted::source).containsOnlyOnce("inbox/study/s1.zip");
    }

    @Test
    @Order(6)
    void hostileZipsAndDicomLabelsAreRefusedWithTheirReason() throws IOException {
        Path one = series("axial_lps").resolve("IM0000");
        Map<String, byte[]> traversal = Map.of("../../etc/IM0000", Files.readAllBytes(one));
        Map<String, byte[]> bomb = Map.of("IM0000", new byte[16 << 20]); // 16 MiB of zeros: 16 KiB deflated
        store.put("inbox/hostile/traversal.zip", zipBytes(traversal), null);
        store.put("inbox/hostile/bomb.zip", zipBytes(bomb), null);
        // a DICOM file (as a SEG would be) given as labels
        store.put("inbox/hostile/seg_seg.nii.gz", one, null);
        store.put("inbox/hostile/seg.zip", zip(Map.of("", series("int8"))), null);

        scanner.scan();

        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> e.object().startsWith("inbox/hostile/"))
                .extracting(ErrorEvent::object, ErrorEvent::reason).containsExactlyInAnyOrder(
                        Tuple.tuple("inbox/hostile/traversal.zip", Reason.BAD_OBJECT_KEY),
                        Tuple.tuple("inbox/hostile/bomb.zip", Reason.INFLATE_LIMIT),
                        Tuple.tuple("inbox/hostile/seg_seg.nii.gz", Reason.BAD_MAGIC)));
        assertThat(errors.readToEnd()).filteredOn(e -> e.reason() == Reason.BAD_MAGIC).singleElement()
                .satisfies(e -> assertThat(e.detail()).contains("DICOM SEG is not read as labels"));
    }

    @Test
    @Order(7)
    void theSameSeriesDroppedAgainUnderAnotherNamePublishesNothing() throws IOException {
        DicomSeries series = READER.read(series("axial_lps"));
        String volumeId = volumeId(series);
        store.put("inbox/again/axial_copy_seg.nii.gz", labelsFile(series.grid(), labels(series.grid())), null);
        store.put("inbox/again/axial_copy.zip", zip(Map.of("", series("axial_lps"))), null);
        int before = errors.readToEnd().size();

        assertThat(scanner.scan()).isEqualTo(1);
        assertThat(scanner.scan()).as("nothing is read twice").isZero();

        assertThat(volumes.readToEnd()).filteredOn(v -> v.volumeId().equals(volumeId)).hasSize(1);
        assertThat(jobsOf(volumeId)).hasSize(3);
        assertThat(errors.readToEnd()).hasSize(before);
    }

    @Test
    @Order(8)
    void theQuickStartsSampleSeriesIsAcceptedWithTheSampleLabels() throws IOException {
        Path sample = Path.of("..", "samples", "dicom", "example_ct_sm");
        Path sampleLabels = Path.of("..", "samples", "example_seg.nii.gz");
        String volumeId = volumeId(READER.read(sample));
        put(sample, "inbox/mine/ct_dicom/");
        store.put("inbox/mine/ct_dicom_seg.nii.gz", sampleLabels, null);
        store.put("inbox/mine/ct_dicom.ready", new byte[0], null);

        scanner.scan();

        VolumeAccepted accepted = accepted(volumeId);
        assertThat(accepted.shape()).containsExactly(122, 101, 30);
        assertThat(accepted.orientation()).isEqualTo("RAS");
        assertThat(accepted.structures()).hasSize(41).contains(1, 5, 117);
        // isEqualTo compares the arrays in one pass (containsExactly diffs them in quadratic time)
        assertThat(stored(accepted.labelsKey()).toLabelVolume().labels())
                .isEqualTo(NIFTI.read(sampleLabels).toLabelVolume().labels());
    }

    private static Path series(String name) {
        return FIXTURES.resolve("series").resolve(name);
    }

    /** The volumeId ingest names a series by: SHA-256 of its canonical NIfTI copy, uncompressed. */
    private String volumeId(DicomSeries series) throws IOException {
        Path nifti = dir.resolve("canonical-" + System.nanoTime() + ".nii");
        NiftiWriter.write(nifti, series.toImageVolume(), NiftiHeader.forGrid(series.grid()));
        return ObjectKeys.volumeId(Files.readAllBytes(nifti));
    }

    /** A block of liver in the series' voxel order. */
    private static int[] labels(Grid grid) {
        int[] ids = new int[grid.voxelCount()];
        for (int k = 2; k < 6; k++) {
            for (int j = 3; j < 9; j++) {
                for (int i = 4; i < 11; i++) {
                    ids[grid.index(i, j, k)] = LIVER;
                }
            }
        }
        return ids;
    }

    private Path labelsFile(Grid grid, int[] ids) throws IOException {
        Path file = dir.resolve("labels-" + System.nanoTime() + ".nii.gz");
        NiftiWriter.write(file, new LabelVolume(grid, ids), NiftiHeader.forGrid(grid));
        return file;
    }

    /** Copies a fixture folder's files under a bucket prefix. */
    private void put(Path folder, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.sorted().toList()) {
                store.put(prefix + f.getFileName(), f, null);
            }
        }
    }

    /** A zip of fixture folders, each folder's files under its entry prefix. */
    private static byte[] zip(Map<String, Path> folders) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (Map.Entry<String, Path> folder : folders.entrySet()) {
            try (Stream<Path> files = Files.list(folder.getValue())) {
                for (Path f : files.sorted().toList()) {
                    entries.put(folder.getKey() + f.getFileName(), Files.readAllBytes(f));
                }
            }
        }
        return zipBytes(entries);
    }

    private static byte[] zipBytes(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private NiftiImage stored(String key) throws IOException {
        try (InputStream in = store.get(key)) {
            return NIFTI.read(in, key);
        }
    }

    private static VolumeAccepted accepted(String volumeId) {
        return await().atMost(WAIT).until(() -> volumes.poll().stream().filter(v -> v.volumeId().equals(volumeId))
                .findFirst().orElse(null), v -> v != null);
    }

    private static List<AxisJob> jobsOf(String volumeId) {
        return jobs.poll().stream().filter(j -> j.volumeId().equals(volumeId)).toList();
    }

    private JsonNode post(MultiValueMap<String, Object> parts, int expectedStatus) {
        return RestClient.create("http://127.0.0.1:" + environment.getProperty("local.server.port")).post()
                .uri("/volumes").header("Authorization", "Bearer " + TOKEN)
                .contentType(MediaType.MULTIPART_FORM_DATA).body(parts)
                .exchange((request, response) -> {
                    assertThat(response.getStatusCode().value()).isEqualTo(expectedStatus);
                    return response.bodyTo(JsonNode.class);
                });
    }

    private static ByteArrayResource named(byte[] bytes, String name) {
        return new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return name;
            }
        };
    }
}
