package dev.triplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.triplane.cli.pipeline.Outcome;
import dev.triplane.cli.pipeline.PipelineClient;
import dev.triplane.cli.pipeline.Submission;
import dev.triplane.cli.pipeline.Submitted;
import dev.triplane.cli.stack.LaunchSettings;
import dev.triplane.cli.stack.ModelChoice;
import dev.triplane.cli.stack.RunningService;
import dev.triplane.cli.stack.Service;
import dev.triplane.cli.stack.ServiceLauncher;
import dev.triplane.cli.stack.StackInfo;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.metrics.StructureMetrics;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.examples.MetricsConsumer;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.LocalCertificates;
import dev.triplane.infra.local.LocalKafkaSecurity;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole pipeline on a real broker and a real S3 server: ingest, two axis-workers in one consumer group,
 * fusion and metrics as the service jars, scans dropped into the inbox or uploaded. The broker is secured as in
 * production (SASL_SSL with SCRAM-SHA-512 and mutual TLS, certificates generated here; infra's
 * {@code SecuredConnectionsTest} shows it refuses clients without credentials), so every Kafka client of every service,
 * Kafka Streams included, and the CLI's readers prove they take the security settings from configuration. Each scenario uses volumes of
 * its own (the sample with one voxel changed), so the scenarios share the running pipeline. The same run checks
 * what operations and downstream systems rely on: one trace per request across the topics, the Java example of
 * {@code examples/java}, the probes, and the metrics the Grafana dashboard queries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineEndToEndTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path SAMPLE_IMAGE = ROOT.resolve("samples/example_ct_sm.nii.gz");
    private static final Path SAMPLE_LABELS = ROOT.resolve("samples/example_seg.nii.gz");
    /** Liver and spleen: two structures keep each volume to seconds with the micro model. */
    private static final Set<Integer> STRUCTURES = Set.of(1, 5);
    private static final Duration RESULT_TIMEOUT = Duration.ofMinutes(4);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String tag = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    private final Topics topics = Topics.load();
    private LocalStack stack;
    private ServiceLauncher launcher;
    private PipelineClient client;
    private ObjectStore store;
    private Path work;
    private NiftiImage sample;
    private int variants;

    @BeforeAll
    void start() throws IOException {
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "e2e");
        stack = LocalStack.start(work.resolve("stack"),
                LocalKafkaSecurity.scram(LocalCertificates.generate(work.resolve("certs")), true));
        Map<String, String> properties = new HashMap<>(stack.serviceProperties());
        properties.put("triplane.ingest.request.structures", "liver,spleen");
        // Two workers share two cores; a killed worker's partitions move after its session times out.
        properties.put("triplane.worker.threads", "1");
        properties.put("triplane.worker.progress-interval", "200ms");
        properties.put("spring.kafka.consumer.properties.session.timeout.ms", "6000");
        properties.put("spring.kafka.consumer.properties.heartbeat.interval.ms", "1000");
        launcher = ServiceLauncher.start(Service.pipeline(2), properties,
                new LaunchSettings(ROOT, work, ModelChoice.of(ROOT, null), tag), Duration.ofMinutes(5));
        StackInfo info = new StackInfo(stack.kafka(), stack.s3(), stack.bucket(),
                stack.bucketFolder().toString(), launcher.get(Service.INGEST).url(), launcher.ingestToken(),
                Map.of(), Map.of());
        client = new PipelineClient(info);
        store = new MinioObjectStore(stack.s3(), stack.bucket());
        sample = new NiftiReader(ReadLimits.defaults()).read(SAMPLE_IMAGE);
    }

    @AfterAll
    void stop() {
        if (launcher != null) {
            launcher.close();
        }
        if (store != null) {
            store.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void aDroppedScanYieldsExactlyOneSegmentationAndOneMetricsEvent() throws Exception {
        Path image = variant();
        String volumeId = sha256(image);
        String folder = "inbox/" + tag + "-drop/";
        store.put(folder + "ct_seg.nii.gz", SAMPLE_LABELS, "application/gzip");
        store.put(folder + "ct.nii.gz", image, "application/gzip");

        Outcome outcome = awaitDropped(volumeId);

        assertThat(outcome.succeeded()).as(outcome.toString()).isTrue();
        SegmentationReady segmentation = outcome.segmentation();
        assertThat(segmentation.axes()).containsExactly(Axis.values());
        assertThat(segmentation.partial()).isFalse();
        assertThat(segmentation.structures()).extracting(SegmentationReady.StructureVoxels::id)
                .containsExactlyInAnyOrderElementsOf(STRUCTURES);
        NiftiImage fused = read(segmentation.segmentationKey());
        assertThat(fused.grid().shape()).isEqualTo(sample.grid().shape());
        assertThat(store.exists(segmentation.uncertaintyKey())).isTrue();
        assertThat(outcome.metrics().structures()).extracting(StructureMetrics::id)
                .containsExactlyInAnyOrderElementsOf(STRUCTURES);
        for (StructureMetrics m : outcome.metrics().structures()) {
            assertThat(m.dice()).isBetween(0.0, 1.0);
            assertThat(m.iou()).isBetween(0.0, m.dice());
            assertThat(m.refVoxels()).as("the sample's own labels").isPositive();
            long fusedVoxels = segmentation.structures().stream().filter(s -> s.id() == m.id()).findFirst()
                    .orElseThrow().voxels();
            assertThat(m.predVoxels()).isEqualTo(fusedVoxels);
        }
        assertThat(store.exists(outcome.metrics().metricsKey())).isTrue();
        assertThat(outcome.axisResults()).hasSize(3);
        assertThat(countFor(Topic.SEGMENTATIONS, SegmentationReady.class, SegmentationReady::volumeId, volumeId))
                .isEqualTo(1);
        assertThat(countFor(Topic.METRICS, MetricsReady.class, MetricsReady::volumeId, volumeId)).isEqualTo(1);

        assertOneTrace(volumeId, segmentation.requestId());
        theJavaExampleConsumerPrintsTheDiceOf(outcome.metrics(), segmentation.segmentationKey());
    }

    /**
     * Every record of the request, from the acceptance and its axis jobs to the metrics and every status update,
     * carries a W3C traceparent of one trace: ingest started it (for a bucket drop or an upload) and each service
     * continued it.
     */
    private void assertOneTrace(String volumeId, String requestId) {
        Map<Topic, List<String>> traceIds = new EnumMap<>(Topic.class);
        for (Topic topic : List.of(Topic.VOLUMES, Topic.AXIS_JOBS, Topic.AXIS_RESULTS, Topic.FUSION_JOBS,
                Topic.SEGMENTATIONS, Topic.METRICS, Topic.STATUS)) {
            for (ConsumerRecord<String, String> record : records(topic)) {
                JsonNode value = JSON.readTree(record.value());
                if (value.path("volumeId").asString().equals(volumeId)
                        && value.path("requestId").asString().equals(requestId)) {
                    Header traceparent = record.headers().lastHeader("traceparent");
                    assertThat(traceparent).as(topic + " record without traceparent: " + record.value()).isNotNull();
                    // version-traceid-spanid-flags
                    traceIds.computeIfAbsent(topic, t -> new ArrayList<>())
                            .add(new String(traceparent.value(), StandardCharsets.UTF_8).split("-")[1]);
                }
            }
        }
        assertThat(traceIds.keySet()).as("topics with records of the request").containsExactlyInAnyOrder(
                Topic.VOLUMES, Topic.AXIS_JOBS, Topic.AXIS_RESULTS, Topic.FUSION_JOBS, Topic.SEGMENTATIONS,
                Topic.METRICS, Topic.STATUS);
        assertThat(traceIds.get(Topic.AXIS_JOBS)).hasSize(3);
        assertThat(traceIds.get(Topic.AXIS_RESULTS)).hasSize(3);
        assertThat(traceIds.values().stream().flatMap(List::stream).collect(Collectors.toSet()))
                .as("trace ids of the request's records by topic: " + traceIds).singleElement()
                .satisfies(id -> assertThat(id).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32)));
    }

    /** examples/java, as a downstream system runs it: its own consumer group, the AWS SDK for the download. */
    private void theJavaExampleConsumerPrintsTheDiceOf(MetricsReady metrics, String segmentationKey)
            throws IOException {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Path out = work.resolve("example-java");
        boolean found;
        try (S3Client s3 = MetricsConsumer.s3(stack.s3().url(), stack.s3().region(), stack.s3().accessKey(),
                stack.s3().secretKey())) {
            found = new MetricsConsumer(stack.kafka().clientConfig(), s3, stack.bucket(), out,
                    new PrintStream(printed, true, StandardCharsets.UTF_8))
                    .run(tag + "-example", metrics.volumeId(), Duration.ofMinutes(1));
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        assertThat(found).as(text).isTrue();
        for (StructureMetrics m : metrics.structures()) {
            assertThat(text).containsPattern("(?m)^" + m.id() + " +" + Pattern.quote(m.name()) + " +"
                    + Pattern.quote(String.format(Locale.ROOT, "%.4f", m.dice())) + "$");
        }
        assertThat(text).contains("segmentation " + segmentationKey + " -> ");
        try (Stream<Path> files = Files.list(out); InputStream stored = store.get(segmentationKey)) {
            assertThat(Files.readAllBytes(files.findFirst().orElseThrow())).as("the downloaded segmentation")
                    .isEqualTo(stored.readAllBytes());
        }
    }

    /** Every committed record of {@code topic} with its headers. */
    private List<ConsumerRecord<String, String>> records(Topic topic) {
        Map<String, Object> config = new HashMap<>(stack.kafka().clientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.name(topic)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
        }
        return records;
    }

    @Test
    @Order(2)
    void twoWorkersShareTheAxisJobsOfSeveralVolumes() throws Exception {
        List<Submitted> submitted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Submitted s = client.submit(Submission.of(variant(), SAMPLE_LABELS));
            assertThat(s.rejected()).as(s.toString()).isFalse();
            submitted.add(s);
        }
        List<AxisResult> results = new ArrayList<>();
        for (Submitted s : submitted) {
            Outcome outcome = client.await(s.volumeId(), s.requestId(), RESULT_TIMEOUT, status -> { });
            assertThat(outcome.succeeded()).as(outcome.toString()).isTrue();
            results.addAll(outcome.axisResults());
        }

        assertThat(results).hasSize(9);
        // an upload's trace starts in ingest's HTTP request
        assertOneTrace(submitted.get(0).volumeId(), submitted.get(0).requestId());
        Set<String> workers = results.stream().map(AxisResult::worker).collect(Collectors.toSet());
        Set<String> pids = launcher.running().stream().filter(r -> r.service() == Service.AXIS_WORKER)
                .map(r -> String.valueOf(r.pid())).collect(Collectors.toSet());
        assertThat(workers).as("both workers took jobs").hasSize(2)
                .allSatisfy(w -> assertThat(pids).anySatisfy(pid -> assertThat(w).endsWith(pid)));
    }

    @Test
    @Order(3)
    void aMalformedFileYieldsAnErrorNamingItWhileTheNextValidFileCompletes() throws Exception {
        String folder = "inbox/" + tag + "-bad/";
        String broken = folder + "a_broken.nii.gz";
        store.put(broken, "this is not a NIfTI file".getBytes(), "application/gzip");
        Path image = variant();
        store.put(folder + "b_ct_seg.nii.gz", SAMPLE_LABELS, "application/gzip");
        store.put(folder + "b_ct.nii.gz", image, "application/gzip");

        Outcome outcome = awaitDropped(sha256(image));

        assertThat(outcome.succeeded()).as(outcome.toString()).isTrue();
        try (TopicReader<ErrorEvent> errors = reader(Topic.ERRORS, ErrorEvent.class)) {
            await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(errors.poll())
                    .filteredOn(e -> e.object().contains(broken)).singleElement()
                    .satisfies(e -> {
                        assertThat(e.stage()).isEqualTo(Stage.INGEST);
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.reason()).isNotNull();
                    }));
        }
        assertThat(store.exists(broken)).as("bad input is kept").isTrue();
    }

    @Test
    @Order(4)
    void theSameScanDroppedTwiceYieldsOneResult() throws Exception {
        Path image = variant();
        String volumeId = sha256(image);
        String folder = "inbox/" + tag + "-twice/";
        for (String name : List.of("a", "b")) {
            store.put(folder + name + "_seg.nii.gz", SAMPLE_LABELS, "application/gzip");
            store.put(folder + name + ".nii.gz", image, "application/gzip");
        }
        Outcome outcome = awaitDropped(volumeId);
        assertThat(outcome.succeeded()).as(outcome.toString()).isTrue();
        // A later drop listed after both copies: once it is done, the scanner has seen the second copy.
        Path later = variant();
        store.put(folder + "c_seg.nii.gz", SAMPLE_LABELS, "application/gzip");
        store.put(folder + "c.nii.gz", later, "application/gzip");
        assertThat(awaitDropped(sha256(later)).succeeded()).isTrue();

        assertThat(countFor(Topic.AXIS_RESULTS, AxisResult.class, AxisResult::volumeId, volumeId)).isEqualTo(3);
        assertThat(countFor(Topic.SEGMENTATIONS, SegmentationReady.class, SegmentationReady::volumeId, volumeId))
                .isEqualTo(1);
        assertThat(countFor(Topic.METRICS, MetricsReady.class, MetricsReady::volumeId, volumeId)).isEqualTo(1);
    }

    /**
     * No labels, and the liver outlined on one axial slice: the axial axis runs first, its fusion derives the
     * coronal and sagittal prompts, and the request ends with three axis results and one segmentation. The outlines
     * are masks, which SAM2 takes as its output on their frame, so the first stage is never empty even with the
     * micro model's random weights.
     */
    @Test
    @Order(5)
    void promptsOnOneAxialSlicePerStructureRunAllThreeAxesInTwoStagesAndYieldOneSegmentation() throws Exception {
        Path prompts = Files.writeString(work.resolve("axial-only.prompts.json"), "{\"version\": 1, \"prompts\": ["
                + "{\"structure\": \"liver\", \"axis\": \"axial\", \"slice\": 15, \"mask\": ["
                + IntStream.rangeClosed(40, 70).mapToObj(y -> "[" + y + ", 55, 95]").collect(Collectors.joining(", "))
                + "]}]}");
        // one structure keeps the second stage short: the micro model's stage-1 result spans most of the volume
        Submitted submitted = client.submit(new Submission(variant(), null, prompts, "liver", null, null, null, null,
                null, null, null));
        assertThat(submitted.rejected()).as(submitted.toString()).isFalse();

        Outcome outcome = client.await(submitted.volumeId(), submitted.requestId(), RESULT_TIMEOUT, status -> { });

        assertThat(outcome.succeeded()).as(outcome.toString()).isTrue();
        assertThat(TopicReader.readAll(stack.kafka(), topics.name(Topic.AXIS_RESULTS), AxisResult.class))
                .filteredOn(r -> r.volumeId().equals(submitted.volumeId()))
                .extracting(r -> r.axis() + " " + r.stage().describe())
                .containsExactlyInAnyOrder("AXIAL stage 1: axial", "CORONAL stage 2: coronal, sagittal",
                        "SAGITTAL stage 2: coronal, sagittal");
        assertThat(outcome.segmentation().axes()).containsExactly(Axis.values());
        assertThat(outcome.segmentation().partial()).isFalse();
        assertThat(outcome.segmentation().structures()).extracting(SegmentationReady.StructureVoxels::id)
                .containsExactly(5);
        assertThat(countFor(Topic.SEGMENTATIONS, SegmentationReady.class, SegmentationReady::volumeId,
                submitted.volumeId())).isEqualTo(1);
        List<String> details = TopicReader.readAll(stack.kafka(), topics.name(Topic.STATUS), VolumeStatus.class)
                .stream().filter(s -> s.volumeId().equals(submitted.volumeId()) && s.detail() != null)
                .map(VolumeStatus::detail).toList();
        assertThat(details).anySatisfy(d -> assertThat(d).startsWith("stage 1: axial; then stage 2"))
                .anySatisfy(d -> assertThat(d).startsWith("stage 2: coronal, sagittal on prompts derived from the"
                        + " fusion of axial"));
        assertThat(store.exists(ObjectKeys.load().cascadePrompts(submitted.volumeId(), submitted.requestId())))
                .isTrue();
    }

    @Test
    @Order(6)
    void ablateThroughThePipelineRunsEveryPresetOnABucketDataset() throws Exception {
        String prefix = "datasets/" + tag + "/";
        store.put(prefix + "images/example.nii.gz", SAMPLE_IMAGE, "application/gzip");
        store.put(prefix + "labels/example.nii.gz", SAMPLE_LABELS, "application/gzip");
        Path stackDir = Files.createDirectories(work.resolve("stack"));
        new StackInfo(stack.kafka(), stack.s3(), stack.bucket(), stack.bucketFolder().toString(),
                launcher.get(Service.INGEST).url(), launcher.ingestToken(), Map.of(), Map.of()).write(stackDir);
        Path out = work.resolve("ablate");
        CliRun run = CliRun.of("ablate", "--through-pipeline", "--stack", stackDir.toString(),
                "--data", "s3://" + stack.bucket() + "/" + prefix, "--structures", "liver,spleen",
                "--presets", "np,baseline,sps,is,is+sps", "--axes", "all", "--out", out.toString());

        assertThat(run.exitCode()).as(run.out() + "\n" + run.err()).isZero();
        for (String preset : List.of("np", "baseline", "sps", "is", "is+sps")) {
            assertThat(run.out()).containsPattern("(?m)^" + Pattern.quote(preset) + " +all +1 +2 ");
        }
        assertThat(out.resolve("report.html")).isRegularFile();
        assertThat(Files.readAllLines(out.resolve("structures.csv"))).hasSize(1 + 5 * 2);
        assertThat(TopicReader.readAll(stack.kafka(), topics.name(Topic.SEGMENTATIONS),
                SegmentationReady.class)).filteredOn(r -> r.datasetTag().startsWith("ablate-"))
                .as("one fused segmentation per preset, made by the pipeline").hasSize(5)
                .allSatisfy(r -> assertThat(r.axes()).containsExactly(Axis.values()));
    }

    /**
     * Operations, on the running services after the scenarios above (errors included): every service answers its
     * liveness and readiness probes, readiness naming the broker and the store, and every metric the Grafana
     * dashboard queries is exported by one of them.
     */
    @Test
    @Order(7)
    void everyServiceAnswersItsProbesAndExportsWhatTheDashboardQueries() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Set<String> exported = new java.util.TreeSet<>();
        for (RunningService service : launcher.running()) {
            for (String probe : List.of("liveness", "readiness")) {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(service.url()
                        + "/actuator/health/" + probe)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).as(service + " " + probe + ": " + health.body()).isEqualTo(200);
                assertThat(health.body()).contains("\"status\":\"UP\"");
                if (probe.equals("readiness")) {
                    assertThat(health.body()).as(service + " readiness").contains("\"kafka\"", "\"s3\"");
                }
            }
            // ingest's actuator is behind its API token, as a scraper would call it
            String metrics = http.send(HttpRequest.newBuilder(URI.create(service.url() + "/actuator/prometheus"))
                    .header("Authorization", "Bearer " + launcher.ingestToken()).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            metrics.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                    .forEach(l -> exported.add(l.split("[{ ]", 2)[0]));
        }
        JsonNode dashboard = JSON.readTree(ROOT.resolve("infra/grafana/dashboards/triplane.json").toFile());
        Set<String> queried = new java.util.TreeSet<>();
        // a metric selector is a name followed by its label matchers or range: name{...} or name[...]
        Pattern selector = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?=[{\\[])");
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                java.util.regex.Matcher m = selector.matcher(target.path("expr").asString());
                while (m.find()) {
                    queried.add(m.group(1));
                }
            }
        }
        assertThat(queried).as("metrics the dashboard queries").contains("triplane_job_duration_seconds_bucket",
                "triplane_worker_frames_total", "triplane_errors_total", "triplane_dlt_records");
        assertThat(exported).as("series exported by the running services").containsAll(queried);
    }

    /** Last: it kills a worker. */
    @Test
    @Order(8)
    void aWorkerKilledMidJobDoesNotLoseTheJob() throws Exception {
        Submitted submitted = client.submit(Submission.of(variant(), SAMPLE_LABELS));
        RunningService busy = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                .until(this::busyWorker, Optional::isPresent).orElseThrow();
        ProcessHandle.of(busy.pid()).ifPresent(ProcessHandle::destroyForcibly);

        Outcome outcome = client.await(submitted.volumeId(), submitted.requestId(), RESULT_TIMEOUT, s -> { });

        assertThat(outcome.succeeded()).as(outcome.toString()).isTrue();
        assertThat(outcome.axisResults()).extracting(AxisResult::axis).containsExactlyInAnyOrder(Axis.values());
        assertThat(outcome.axisResults()).extracting(AxisResult::worker)
                .noneSatisfy(w -> assertThat(w).endsWith(":" + busy.pid()));
        assertThat(countFor(Topic.SEGMENTATIONS, SegmentationReady.class, SegmentationReady::volumeId,
                submitted.volumeId())).isEqualTo(1);
    }

    /**
     * A correction of the liver on one axial slice: answered with revision 2 at the door, segmented again on that
     * axis alone and fused with the other axes' logits into a second SegmentationReady under revision 2's keys;
     * revision 1 stays as it was, the spleen's logits are untouched, the same correction again is the same
     * revision, a correction of an unknown request or of a structure outside the request is refused, and the next
     * correction, dropped in the inbox, makes revision 3.
     */
    @Test
    @Order(8)
    void aCorrectionYieldsRevisionTwoWithOnlyItsStructureChanged() throws Exception {
        Submitted submitted = client.submit(Submission.of(variant(), SAMPLE_LABELS));
        Outcome first = client.await(submitted.volumeId(), submitted.requestId(), RESULT_TIMEOUT, s -> { });
        assertThat(first.succeeded()).as(first.toString()).isTrue();
        String volumeId = submitted.volumeId();
        String requestId = submitted.requestId();
        SegmentationReady revision1 = first.segmentation();
        assertThat(revision1.revision()).isEqualTo(1);
        byte[] revision1Labels = bytes(revision1.segmentationKey());
        ObjectKeys keys = ObjectKeys.load();
        String axial1 = keys.logits(volumeId, requestId, Axis.AXIAL);
        await().atMost(Duration.ofSeconds(30)).until(() -> store.exists(keys.fusionDone(volumeId, requestId)));

        String correction = "{\"requestId\": \"" + requestId + "\", \"prompts\": {\"version\": 1, \"prompts\": "
                + "[{\"structure\": \"liver\", \"axis\": \"axial\", \"slice\": 14, "
                + "\"points\": [{\"x\": 40, \"y\": 50, \"label\": 0}, {\"x\": 70, \"y\": 45, \"label\": 1}]}]}}";
        SegmentationReady revision2;
        try (TopicReader<SegmentationReady> segmentations = reader(Topic.SEGMENTATIONS, SegmentationReady.class)) {
            long sent = System.nanoTime();
            HttpResponse<String> accepted = correct(volumeId, correction);
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            assertThat(JSON.readTree(accepted.body()).get("revision").asInt()).isEqualTo(2);
            List<SegmentationReady> seen = new ArrayList<>();
            revision2 = await().atMost(RESULT_TIMEOUT).pollInterval(Duration.ofMillis(20)).until(() -> {
                seen.addAll(segmentations.poll(Duration.ofMillis(50)));
                return seen.stream().filter(r -> r.volumeId().equals(volumeId) && r.revision() == 2).findFirst();
            }, Optional::isPresent).orElseThrow();
            // the figure of docs/prompts.md (Corrections): submit -> new SegmentationReady on a warm stack
            System.out.printf(Locale.ROOT, "correction of one structure, submit -> SegmentationReady revision 2: "
                    + "%d ms%n", (System.nanoTime() - sent) / 1_000_000);
        }
        assertThat(revision2.segmentationKey()).isEqualTo(keys.segmentation(volumeId, requestId, 2))
                .isNotEqualTo(revision1.segmentationKey());
        assertThat(revision2.axes()).containsExactly(Axis.values());
        assertThat(read(revision2.segmentationKey()).grid().shape()).isEqualTo(sample.grid().shape());
        assertThat(bytes(revision1.segmentationKey())).as("revision 1, still readable").isEqualTo(revision1Labels);
        // only the corrected axis was segmented again; only the liver changed in it
        assertThat(store.exists(keys.logits(volumeId, requestId, Axis.CORONAL, 2))).isFalse();
        assertThat(store.exists(keys.logits(volumeId, requestId, Axis.SAGITTAL, 2))).isFalse();
        Grid ras = Reorientation.toRas(sample.grid()).target();
        try (LogitVolume before = logits(axial1, ras);
             LogitVolume after = logits(keys.logits(volumeId, requestId, Axis.AXIAL, 2), ras)) {
            assertThat(after.ids()).containsExactly(before.ids());
            float[] x = new float[before.frames().frameSize()];
            float[] y = new float[x.length];
            boolean liverChanged = false;
            for (int i = 0; i < before.structureCount(); i++) {
                for (int t = 0; t < before.frames().frameCount(); t++) {
                    before.copyFrame(i, t, x);
                    after.copyFrame(i, t, y);
                    if (before.id(i) == 5) {
                        liverChanged |= !Arrays.equals(x, y);
                    } else {
                        assertThat(Arrays.equals(x, y)).as("structure %d frame %d", before.id(i), t).isTrue();
                    }
                }
            }
            assertThat(liverChanged).isTrue();
        }

        HttpResponse<String> again = correct(volumeId, correction);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(again.body()).get("outcome").asString()).isEqualTo("ALREADY_ACCEPTED");
        assertThat(JSON.readTree(again.body()).get("revision").asInt()).isEqualTo(2);
        HttpResponse<String> unknown = correct(volumeId, correction.replace(requestId, "r-unknown"));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("UNKNOWN_REQUEST");
        HttpResponse<String> aorta = correct(volumeId, correction.replace("liver", "aorta"));
        assertThat(aorta.statusCode()).isEqualTo(422);
        assertThat(aorta.body()).contains("BAD_CORRECTION", "not one of request");

        // the next correction, dropped in the inbox, builds on revision 2
        String next = correction.replace("\"slice\": 14", "\"slice\": 16")
                .replace("{\"requestId\"", "{\"volumeId\": \"" + volumeId + "\", \"requestId\"");
        store.put("inbox/" + tag + "-correction/liver.corrections.json", next.getBytes(StandardCharsets.UTF_8),
                "application/json");
        SegmentationReady revision3 = await().atMost(Duration.ofMinutes(1)).until(() -> TopicReader.readAll(
                stack.kafka(), topics.name(Topic.SEGMENTATIONS), SegmentationReady.class).stream()
                .filter(r -> r.volumeId().equals(volumeId) && r.revision() == 3).findFirst(), Optional::isPresent)
                .orElseThrow();
        assertThat(revision3.segmentationKey()).isEqualTo(keys.segmentation(volumeId, requestId, 3));
        assertThat(store.exists(keys.logits(volumeId, requestId, Axis.AXIAL, 3))).isTrue();
        assertThat(TopicReader.readAll(stack.kafka(), topics.name(Topic.SEGMENTATIONS), SegmentationReady.class)
                .stream().filter(r -> r.volumeId().equals(volumeId)).map(SegmentationReady::revision).toList())
                .containsExactlyInAnyOrder(1, 2, 3);
    }

    private HttpResponse<String> correct(String volumeId, String body) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(launcher.get(Service.INGEST).url()
                + "/volumes/" + volumeId + "/corrections")).header("Authorization", "Bearer "
                + launcher.ingestToken()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private byte[] bytes(String key) throws IOException {
        try (InputStream in = store.get(key)) {
            return in.readAllBytes();
        }
    }

    private LogitVolume logits(String key, Grid ras) throws IOException {
        try (InputStream in = store.get(key)) {
            return LogitVolumeCodec.read(in, key, ras, Long.MAX_VALUE);
        }
    }

    /** A worker whose job gauge says it is running a job now. */
    private Optional<RunningService> busyWorker() {
        HttpClient http = HttpClient.newHttpClient();
        for (RunningService worker : launcher.running()) {
            if (worker.service() != Service.AXIS_WORKER) {
                continue;
            }
            try {
                String metrics = http.send(HttpRequest.newBuilder(URI.create(worker.url() + "/actuator/prometheus"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                if (metrics.lines().anyMatch(l -> l.startsWith("triplane_jobs_active{") && l.endsWith(" 1.0"))) {
                    return Optional.of(worker);
                }
            } catch (IOException e) {
                // Busy answering another scrape; try again.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private Outcome awaitDropped(String volumeId) {
        String requestId = client.awaitAccepted(volumeId, tag, Duration.ofMinutes(2))
                .orElseThrow(() -> new AssertionError("ingest did not accept volume " + volumeId));
        return client.await(volumeId, requestId, RESULT_TIMEOUT, s -> { });
    }

    /** The sample with one voxel changed: a new volume (its id is the file's hash) with the sample's labels. */
    private Path variant() throws IOException {
        ImageVolume image = sample.toImageVolume();
        float[] voxels = image.voxels().clone();
        voxels[++variants] += 1;
        Path file = work.resolve("variant-" + variants + ".nii.gz");
        NiftiWriter.write(file, new ImageVolume(image.grid(), voxels), sample.header());
        return file;
    }

    private NiftiImage read(String key) {
        try (InputStream in = store.get(key)) {
            return new NiftiReader(ReadLimits.defaults()).read(in, key);
        } catch (IOException e) {
            throw new AssertionError(key, e);
        }
    }

    private <T> long countFor(Topic topic, Class<T> type, Function<T, String> volume,
            String volumeId) {
        return TopicReader.readAll(stack.kafka(), topics.name(topic), type).stream()
                .filter(e -> volume.apply(e).equals(volumeId)).count();
    }

    private <T> TopicReader<T> reader(Topic topic, Class<T> type) {
        return new TopicReader<>(stack.kafka(), topics.name(topic), type);
    }

    private static String sha256(Path file) throws IOException {
        return ObjectKeys.volumeId(Files.readAllBytes(file));
    }
}
