package dev.triplane.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.CascadePlan;
import dev.triplane.core.events.CascadeStage;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.prompts.PromptFile;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import dev.triplane.core.synthetic.SyntheticScan;
import dev.triplane.core.volume.Grid;
import dev.triplane.infra.AsyncApiDocument;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.storage.ObjectStore;
import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.cloudevents.kafka.KafkaMessageFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service against a real KRaft broker and a real S3 server (s3proxy), on real sockets: scans dropped into
 * the inbox and uploaded over HTTP become one {@code VolumeAccepted} and one {@code AxisJob} per axis; the same
 * scan again publishes nothing; a malformed file publishes one {@code ErrorEvent} naming it and stays in the
 * inbox, and the scanner carries on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngestServiceTest {

    private static final Path SAMPLE = Path.of("..", "samples", "example_ct_sm.nii.gz");
    private static final Path SAMPLE_LABELS = Path.of("..", "samples", "example_seg.nii.gz");
    private static final Path PROMPTS = Path.of("..", "samples", "prompts-example.json");
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The static bearer token the API takes in this test (mode TOKEN, as the local stack runs it). */
    private static final String TOKEN = "ingest-service-test-token-0123456789abcdef";
    /** Structures with voxels in the sample labels (nibabel: numpy.unique of example_seg.nii.gz). */
    private static final int SAMPLE_STRUCTURES = 41;

    private static final LocalStack STACK = SharedLocalStack.get();
    private static final Topics TOPICS = Topics.load();
    private static TopicReader<VolumeAccepted> volumes;
    private static final JsonMapper JSON = JsonMapper.builder().build();
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
    private Environment environment;

    @DynamicPropertySource
    static void stack(DynamicPropertyRegistry registry) {
        STACK.serviceProperties().forEach((name, value) -> registry.add(name, () -> value));
        registry.add("triplane.ingest.inbox.scan-interval", () -> "300ms");
        registry.add("triplane.ingest.inbox.work-dir", () -> "target");
        registry.add("triplane.ingest.auth.mode", () -> "token");
        registry.add("triplane.ingest.auth.token", () -> TOKEN);
        // the liveness and readiness groups, on by themselves only on Kubernetes
        registry.add("management.endpoint.health.probes.enabled", () -> "true");
        registry.add("triplane.ingest.uploads.max-file-size", () -> "1MB");
        registry.add("triplane.ingest.uploads.max-prompt-file-size", () -> "4KB");
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
    void aDroppedScanYieldsOneVolumeAcceptedAndOneJobPerAxis() throws IOException {
        String volumeId = ObjectKeys.volumeId(Files.readAllBytes(SAMPLE));
        store.put("inbox/ct/example_ct_sm_seg.nii.gz", SAMPLE_LABELS, null);
        store.put("inbox/ct/example_ct_sm.nii.gz", SAMPLE, null);

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(ofVolume(volumes.poll(), volumeId)).hasSize(1);
            assertThat(jobsOf(volumeId)).hasSize(3);
        });

        VolumeAccepted accepted = ofVolume(volumes.poll(), volumeId).get(0);
        assertThat(accepted.source()).isEqualTo("inbox/ct/example_ct_sm.nii.gz");
        assertThat(accepted.shape()).containsExactly(122, 101, 30);
        assertThat(accepted.spacing()).containsExactly(3.0, 3.0, 3.0);
        assertThat(accepted.orientation()).isEqualTo("RAS");
        assertThat(accepted.structures()).hasSize(SAMPLE_STRUCTURES).contains(1, 5, 117).doesNotContain(0, 12);
        assertThat(accepted.labelsKey()).isEqualTo(keys.labels(volumeId));
        List<AxisJob> axisJobs = jobsOf(volumeId);
        assertThat(axisJobs).extracting(AxisJob::axis).containsExactlyInAnyOrder(Axis.values());
        assertThat(axisJobs).allSatisfy(job -> {
            assertThat(job.requestId()).isEqualTo(accepted.requestId());
            assertThat(job.imageKey()).isEqualTo(keys.image(volumeId));
            assertThat(job.structures()).isEqualTo(accepted.structures());
            assertThat(job.memoryPolicy()).isEqualTo("is+sps");
            assertThat(job.prompts().source()).isEqualTo(PromptPolicy.Source.LABELS);
        });
        // the canonical copy is the dropped volume without its header text (triplane.privacy.scrub-header-text)
        try (InputStream stored = store.get(keys.image(volumeId))) {
            assertThat(gunzip(stored.readAllBytes())).isEqualTo(withoutText(gunzip(Files.readAllBytes(SAMPLE))));
        }
        assertThat(store.exists(keys.request(volumeId, accepted.requestId()))).isTrue();
        await().atMost(WAIT).untilAsserted(() -> assertThat(statuses.poll()).anySatisfy(s -> {
            assertThat(s.volumeId()).isEqualTo(volumeId);
            assertThat(s.state()).isEqualTo(VolumeStatus.State.ACCEPTED);
            assertThat(s.axes()).extracting(VolumeStatus.AxisProgress::framesTotal).containsExactly(30, 101, 122);
        }));
    }

    @Test
    @Order(2)
    void theSameScanDroppedAgainPublishesNothing() throws IOException {
        String volumeId = ObjectKeys.volumeId(Files.readAllBytes(SAMPLE));
        store.put("inbox/again/scan_seg.nii.gz", SAMPLE_LABELS, null);
        store.put("inbox/again/scan.nii.gz", SAMPLE, null);
        store.put("inbox/ct/example_ct_sm.nii.gz", SAMPLE, null);

        scanner.scan();

        assertThat(ofVolume(volumes.readToEnd(), volumeId)).hasSize(1);
        assertThat(jobs.readToEnd()).filteredOn(j -> j.volumeId().equals(volumeId)).hasSize(3);
    }

    @Test
    @Order(3)
    void aMalformedFileIsReportedAndKeptAndTheNextValidScanStillCompletes() throws IOException {
        store.put("inbox/bad/broken.nii.gz", "not a NIfTI volume at all".getBytes(), null);
        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> e.object().equals("inbox/bad/broken.nii.gz")).singleElement()
                .satisfies(e -> {
                    assertThat(e.stage()).isEqualTo(Stage.INGEST);
                    assertThat(e.reason()).isEqualTo(Reason.BAD_HEADER);
                    assertThat(e.retryable()).isFalse();
                }));
        assertThat(store.exists("inbox/bad/broken.nii.gz")).isTrue();

        // the same image uncompressed: other bytes, so another volume
        byte[] plain;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(SAMPLE))) {
            plain = in.readAllBytes();
        }
        String volumeId = ObjectKeys.volumeId(plain);
        store.put("inbox/plain/ct_seg.nii.gz", SAMPLE_LABELS, null);
        store.put("inbox/plain/ct.nii", plain, null);

        await().atMost(WAIT).untilAsserted(() -> assertThat(jobsOf(volumeId)).hasSize(3));
        try (InputStream stored = store.get(keys.image(volumeId))) {
            byte[] canonical = stored.readAllBytes();
            assertThat(canonical[0] & 0xff).as("stored gzip-compressed").isEqualTo(0x1f);
            assertThat(gunzip(canonical)).isEqualTo(withoutText(plain));
        }
        scanner.scan();
        assertThat(errors.readToEnd()).filteredOn(e -> e.object().equals("inbox/bad/broken.nii.gz")).hasSize(1);
    }

    @Test
    @Order(4)
    void anUploadWithOtherStructuresIsANewRequestAndItsRepeatIsNot() throws IOException {
        String volumeId = ObjectKeys.volumeId(Files.readAllBytes(SAMPLE));

        JsonNode first = upload(SAMPLE, SAMPLE_LABELS, null, "spleen,5", 202);
        JsonNode again = upload(SAMPLE, SAMPLE_LABELS, null, "spleen,5", 202);

        assertThat(first.get("volumeId").asString()).isEqualTo(volumeId);
        assertThat(first.get("outcome").asString()).isEqualTo("ACCEPTED");
        assertThat(again.get("outcome").asString()).isEqualTo("ALREADY_INGESTED");
        String requestId = first.get("requestId").asString();
        assertThat(again.get("requestId").asString()).isEqualTo(requestId);
        assertThat(jobs.readToEnd()).filteredOn(j -> j.requestId().equals(requestId)).hasSize(3)
                .allSatisfy(j -> assertThat(j.structures()).containsExactly(1, 5));

        // the status view follows the status topic: the latest request of the volume, three axes to do
        await().atMost(WAIT).untilAsserted(() -> {
            VolumeStatus status = http().get().uri("/volumes/{id}", volumeId).retrieve().body(VolumeStatus.class);
            assertThat(status.requestId()).isEqualTo(requestId);
            assertThat(status.state()).isEqualTo(VolumeStatus.State.ACCEPTED);
            assertThat(status.axes()).extracting(VolumeStatus.AxisProgress::framesDone).containsExactly(0, 0, 0);
        });
    }

    @Test
    @Order(5)
    void anUploadWithAPromptFileNeedsNoLabels() throws IOException {
        JsonNode accepted = upload(SAMPLE, null, PROMPTS, null, 202);

        String volumeId = accepted.get("volumeId").asString();
        String requestId = accepted.get("requestId").asString();
        assertThat(accepted.get("outcome").asString()).isEqualTo("ACCEPTED");
        // the structures the file prompts: liver (5) and aorta, named once by id (52) and once by name
        assertThat(jobs.readToEnd()).filteredOn(j -> j.requestId().equals(requestId)).hasSize(3).allSatisfy(j -> {
            assertThat(j.structures()).containsExactly(5, 52);
            assertThat(j.labelsKey()).isNull();
            assertThat(j.prompts()).isEqualTo(PromptPolicy.fromFile(keys.prompts(volumeId, requestId)));
        });
        // stored as checked, in version 1 form (the same prompts: this file already is version 1)
        Grid grid = new NiftiReader(ReadLimits.defaults()).read(SAMPLE).grid();
        try (InputStream stored = store.get(keys.prompts(volumeId, requestId))) {
            assertThat(stored.readAllBytes()).isEqualTo(PromptFile.canonical(
                    PromptFile.read(PROMPTS, grid, LabelTable.totalSegmentatorV2())));
        }
    }

    @Test
    @Order(6)
    void badUploadsAreRefusedWithTheirReason(@TempDir Path dir) throws IOException {
        Path badPrompts = Files.writeString(dir.resolve("bad.prompts.json"),
                "{\"version\": 1, \"prompts\": [{\"structure\": \"liver\", \"axis\": \"axial\", \"slice\": 99,"
                        + " \"box\": [1, 1, 5, 5]}]}");

        assertThat(upload(SAMPLE, null, null, null, 422).get("reason").asString()).isEqualTo(Reason.NO_PROMPTS.name());
        assertThat(upload(SAMPLE, SAMPLE_LABELS, null, "no_such_structure", 422).get("reason").asString())
                .isEqualTo(Reason.BAD_REQUEST.name());
        JsonNode refused = upload(SAMPLE, null, badPrompts, null, 422);
        assertThat(refused.get("reason").asString()).isEqualTo(Reason.BAD_PROMPTS.name());
        // an upload's files are named by their part: the user's file name stays out of every event
        assertThat(refused.get("detail").asString()).contains("upload:prompts").doesNotContain("bad.prompts.json");
        int notFound = http().get().uri("/volumes/{id}", "0".repeat(64))
                .exchange((request, response) -> response.getStatusCode().value());
        assertThat(notFound).isEqualTo(404);
        String brokenId = ObjectKeys.volumeId("not a NIfTI volume at all".getBytes());
        await().atMost(WAIT).untilAsserted(() -> assertThat(http().get().uri("/volumes/{id}", brokenId).retrieve()
                .body(VolumeStatus.class).state()).isEqualTo(VolumeStatus.State.REJECTED));
    }

    @Test
    @Order(7)
    void healthAndPrometheusCountersAreServed() {
        String health = RestClient.create(baseUrl()).get().uri("/actuator/health").retrieve().body(String.class);
        String prometheus = http().get().uri("/actuator/prometheus").retrieve().body(String.class);

        assertThat(health).contains("\"status\":\"UP\"");
        assertThat(prometheus).containsPattern("triplane_ingest_volumes_total(\\{[^}]*})? 4.0")
                .containsPattern("triplane_ingest_rejected_total\\{[^}]*reason=\"BAD_HEADER\"[^}]*} 1.0")
                .containsPattern(
                        "triplane_job_duration_seconds_count\\{[^}]*outcome=\"ACCEPTED\",stage=\"INGEST\"[^}]*} 4")
                .containsPattern("triplane_jobs_active\\{[^}]*stage=\"INGEST\"[^}]*} 0");
    }

    @Test
    @Order(8)
    void aRecordThatIsNoNotificationGoesToTheDeadLetterTopicAtOnce() {
        String inboxEvents = TOPICS.name(Topic.INBOX_EVENTS);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>(inboxEvents, "triplane/inbox/x", "not a notification"));
        }
        try (TopicReader<String> deadLetters = new TopicReader<>(STACK.bootstrapServers(),
                TOPICS.deadLetter(Topic.INBOX_EVENTS).orElseThrow().name(), String.class)) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(deadLetters.poll()).containsExactly("not a notification"));
        }
    }

    @Test
    @Order(9)
    void theStartupWarmupChecksTheSyntheticScanAndLeavesNothingBehind(@Autowired IngestWarmup warmup)
            throws IOException {
        SyntheticScan scan = SyntheticScan.create();
        Ingestor.Checked checked = warmup.check(scan);

        assertThat(checked.grid()).isEqualTo(scan.image().grid());
        assertThat(checked.present().stream().toArray()).containsExactly(SyntheticScan.STRUCTURES);
        // it ran at startup too: still no object, no event and no local copy of the synthetic scan
        String volumeId = ObjectKeys.volumeId(scan.imageNifti());
        assertThat(store.exists(keys.image(volumeId))).isFalse();
        assertThat(volumes.poll()).noneMatch(v -> v.volumeId().equals(volumeId));
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            assertThat(files).noneMatch(f -> f.getFileName().toString().startsWith("warmup"));
        }
    }

    @Test
    @Order(10)
    void theApiTakesOnlyItsBearerTokenAndHealthStaysOpen() {
        byte[] unread = "an upload no one may make".getBytes(StandardCharsets.US_ASCII);
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", new ByteArrayResource(unread) {
            @Override
            public String getFilename() {
                return "ct.nii.gz";
            }
        });
        RestClient anonymous = RestClient.create(baseUrl());
        RestClient wrongToken = RestClient.builder().baseUrl(baseUrl())
                .defaultHeader("Authorization", "Bearer " + TOKEN.replace('0', '1')).build();

        for (RestClient client : List.of(anonymous, wrongToken)) {
            int upload = client.post().uri("/volumes").contentType(MediaType.MULTIPART_FORM_DATA).body(parts)
                    .exchange((request, response) -> {
                        assertThat(response.getHeaders().getFirst("WWW-Authenticate")).startsWith("Bearer");
                        return response.getStatusCode().value();
                    });
            assertThat(upload).isEqualTo(401);
            assertThat(statusOf(client.get().uri("/volumes/{id}", "0".repeat(64)))).isEqualTo(401);
            assertThat(statusOf(client.get().uri("/actuator/prometheus"))).isEqualTo(401);
        }
        assertThat(statusOf(anonymous.get().uri("/actuator/health"))).isEqualTo(200);
        // and its groups, as the Kubernetes probes ask for them
        assertThat(statusOf(anonymous.get().uri("/actuator/health/readiness"))).isEqualTo(200);
        // nothing of the refused uploads was read: an unreadable image would have been rejected with an event
        String unreadId = ObjectKeys.volumeId(unread);
        assertThat(errors.readToEnd()).noneMatch(e -> unreadId.equals(e.volumeId()));
    }

    @Test
    @Order(11)
    void unsafeNamesAreRefusedWithAnErrorNamingThem(@Autowired Ingestor ingestor,
            @Autowired IngestProperties properties) throws IOException {
        JsonNode refused = upload(named(SAMPLE, "../../etc/ct.nii.gz"), null, 400);
        assertThat(refused.get("reason").asString()).isEqualTo(Reason.BAD_OBJECT_KEY.name());
        assertThat(refused.get("detail").asString()).contains("'image'", "'..' path segment");

        // Inbox keys as a user's S3 client may write them. They are handed to the ingestor directly: S3 clients
        // resolve '..' segments themselves, and a listing holding a control character is XML they cannot parse.
        String forged = "inbox/ct\n2026-12-07 INFO accepted everything.nii.gz";
        for (String key : List.of("inbox/x/../../volumes/ct.nii.gz", forged, "inbox/" + "k".repeat(1100) + ".nii")) {
            IngestResult result = ingestor.ingest(new Scan(SAMPLE, key, null, null, null, null),
                    RequestSpec.of(properties.request()));
            assertThat(result.outcome()).isEqualTo(IngestResult.Outcome.REJECTED);
            assertThat(result.reason()).isEqualTo(Reason.BAD_OBJECT_KEY);
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> e.reason() == Reason.BAD_OBJECT_KEY).extracting(ErrorEvent::object)
                .contains("inbox/x/../../volumes/ct.nii.gz",
                        "inbox/ct\\u000a2026-12-07 INFO accepted everything.nii.gz", ObjectKeys.printable(
                                "inbox/" + "k".repeat(1100) + ".nii")));
    }

    @Test
    @Order(12)
    void oversizedUploadsAndPromptFilesAreRefusedWithTheLimit(@TempDir Path dir) throws IOException {
        Path big = Files.write(dir.resolve("big.nii.gz"), new byte[1_200_000]);
        JsonNode tooBig = upload(big, null, null, null, 413);
        assertThat(tooBig.get("reason").asString()).isEqualTo("TOO_LARGE");
        assertThat(tooBig.get("detail").asString()).contains("1048576 bytes");

        byte[] prompts = ("{\"version\": 1, \"prompts\": []" + " ".repeat(5000) + "}")
                .getBytes(StandardCharsets.US_ASCII);
        JsonNode refused = upload(SAMPLE, null, Files.write(dir.resolve("p.prompts.json"), prompts), null, 413);
        assertThat(refused.get("reason").asString()).isEqualTo("TOO_LARGE");
        assertThat(refused.get("detail").asString()).contains("4096 bytes");
        // dropped into the inbox: the same limit, an error event naming the object
        store.put("inbox/big-prompts/ct.prompts.json", prompts, null);
        store.put("inbox/big-prompts/ct.nii.gz", SAMPLE, null);
        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> e.reason() == Reason.TOO_LARGE).extracting(ErrorEvent::object)
                .contains("upload:prompts", "inbox/big-prompts/ct.prompts.json"));
    }

    @Test
    @Order(13)
    void headerTextAndUploadFileNamesReachNoEventAndNoStoredCopy() throws IOException {
        String marker = "DOE^JANE"; // no hex digit could spell it, so no id in an event matches it by chance
        byte[] dropped = gunzip(Files.readAllBytes(SAMPLE));
        // NIfTI-1 text fields: db_name at 14, descrip at 148, aux_file at 228, intent_name at 328
        for (int offset : new int[] {14, 148, 228, 328}) {
            System.arraycopy(marker.getBytes(StandardCharsets.US_ASCII), 0, dropped, offset, marker.length());
        }
        byte[] uploaded = dropped.clone();
        uploaded[160] = '+'; // another volume
        store.put("inbox/privacy/ct_seg.nii.gz", SAMPLE_LABELS, null);
        store.put("inbox/privacy/ct.nii", dropped, null);
        Path file = Files.write(Path.of("target", "CT_" + marker + ".nii"), uploaded);
        JsonNode accepted = upload(named(file, file.getFileName().toString()), named(SAMPLE_LABELS,
                "CT_" + marker + "_seg.nii.gz"), 202);

        String droppedId = ObjectKeys.volumeId(dropped);
        String uploadedId = accepted.get("volumeId").asString();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(jobsOf(droppedId)).hasSize(3);
            assertThat(jobsOf(uploadedId)).hasSize(3);
        });
        for (Topic topic : List.of(Topic.VOLUMES, Topic.AXIS_JOBS, Topic.STATUS, Topic.ERRORS)) {
            assertThat(TopicReader.readAll(STACK.bootstrapServers(), TOPICS.name(topic), String.class))
                    .as(topic.id()).noneMatch(event -> event.contains("JANE"));
        }
        for (String volumeId : List.of(droppedId, uploadedId)) {
            try (InputStream stored = store.get(keys.image(volumeId))) {
                assertThat(new String(gunzip(stored.readAllBytes()), StandardCharsets.ISO_8859_1))
                        .doesNotContain("JANE");
            }
        }
    }

    @Test
    @Order(14)
    void theAsyncApiDocumentIsServedBehindTheTokenAndNamesThisServicesConsumerGroups(
            @Autowired KafkaListenerEndpointRegistry listeners) {
        assertThat(statusOf(RestClient.create(baseUrl()).get().uri("/asyncapi"))).isEqualTo(401);
        String served = http().get().uri("/asyncapi").retrieve().body(String.class);

        assertThat(served).isEqualTo(AsyncApiDocument.json());
        // the groups the document names are the ones this service's listeners join
        Map<String, String> groups = AsyncApiDocument.consumerGroups("ingest-service");
        assertThat(listeners.getListenerContainers()).isNotEmpty();
        for (MessageListenerContainer container : listeners.getListenerContainers()) {
            for (String topic : container.getContainerProperties().getTopics()) {
                assertThat(container.getGroupId()).as(topic).isEqualTo(groups.get(topic));
            }
        }
    }

    @Test
    @Order(15)
    void everyRecordItWroteIsACloudEventTheSdkReadsWithTheValueAsItsData() {
        Map<Topic, String> types = Map.of(Topic.VOLUMES, "dev.triplane.volume-accepted.v1",
                Topic.AXIS_JOBS, "dev.triplane.axis-job.v2", Topic.STATUS, "dev.triplane.volume-status.v1");
        for (Map.Entry<Topic, String> topic : types.entrySet()) {
            List<ConsumerRecord<String, byte[]>> records = records(TOPICS.name(topic.getKey()));
            assertThat(records).as(topic.getKey().id()).isNotEmpty();
            List<String> ids = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : records) {
                CloudEvent event = KafkaMessageFactory.createReader(record).toEvent();
                assertThat(event.getSpecVersion()).isEqualTo(SpecVersion.V1);
                assertThat(event.getSource()).isEqualTo(URI.create("/triplane/ingest-service"));
                assertThat(event.getType()).isEqualTo(topic.getValue());
                assertThat(event.getSubject()).isEqualTo(record.key());
                assertThat(event.getTime()).isNotNull();
                assertThat(event.getDataContentType()).isEqualTo("application/json");
                assertThat(event.getData().toBytes()).isEqualTo(record.value());
                ids.add(event.getId());
            }
            if (topic.getKey() != Topic.STATUS) {
                // one job per request and axis, one acceptance per request: no two share an id
                assertThat(ids).as(topic.getKey().id()).doesNotHaveDuplicates();
            }
        }
    }

    @Test
    @Order(16)
    void aStructurePromptedOnOneAxisRunsAsACascadeOneOnNoRequestedAxisIsRejectedAndWorldPromptsAreAccepted(
            @TempDir Path tmp) throws IOException {
        // the sample compressed anew: other bytes, so a volume no test has accepted
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
            out.write(gunzip(Files.readAllBytes(SAMPLE)));
        }
        String volumeId = ObjectKeys.volumeId(gz.toByteArray());
        // 3D Slicer markups beside the scan: a closed curve outlines the liver on one axial slice (k 19, z 151.3 mm)
        byte[] markups = ("{\"@schema\": \"https://raw.githubusercontent.com/slicer/slicer/master/"
                + "Modules/Loadable/Markups/Resources/Schema/markups-schema-v1.0.3.json#\", \"markups\": [{\"type\":"
                + " \"ClosedCurve\", \"name\": \"liver\", \"coordinateSystem\": \"LPS\", \"controlPoints\": ["
                + "{\"position\": [-32, -161, 151.3]}, {\"position\": [-92, -161, 151.3]},"
                + " {\"position\": [-92, -206, 151.3]}, {\"position\": [-32, -206, 151.3]}]}]}")
                .getBytes(StandardCharsets.UTF_8);
        store.put("inbox/half/ct.mrk.json", markups, null);
        store.put("inbox/half/ct.nii.gz", gz.toByteArray(), null);

        // one prompted axis is enough: stage 1 runs it, stage 2 (the other axes) is planned for fusion
        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(volumes.poll(), volumeId)).hasSize(1));
        List<AxisJob> firstStage = jobsOf(volumeId);
        assertThat(firstStage).singleElement().satisfies(j -> {
            assertThat(j.axis()).isEqualTo(Axis.AXIAL);
            assertThat(j.requestAxes()).containsExactly(Axis.values());
            assertThat(j.structures()).containsExactly(5);
            assertThat(j.stage()).isEqualTo(new CascadeStage(1, List.of(Axis.AXIAL),
                    List.of(Axis.CORONAL, Axis.SAGITTAL)));
            assertThat(j.prompts().promptFileKey()).isEqualTo(keys.prompts(volumeId, j.requestId()));
        });
        String cascadeId = firstStage.get(0).requestId();
        CascadePlan plan;
        try (InputStream in = store.get(keys.cascadePlan(volumeId, cascadeId))) {
            plan = JSON.readValue(in, CascadePlan.class);
        }
        assertThat(plan.userPrompts()).isEqualTo(keys.prompts(volumeId, cascadeId));
        assertThat(plan.derivation()).isEqualTo(PromptPolicy.fromLabels(2, SliceSelector.EXTENT_ENDS,
                List.of(PromptKind.BOX)));
        assertThat(plan.jobs()).extracting(AxisJob::axis).containsExactly(Axis.CORONAL, Axis.SAGITTAL);
        assertThat(plan.jobs()).allSatisfy(j -> {
            assertThat(j.stage()).isEqualTo(firstStage.get(0).stage().next());
            assertThat(j.prompts()).isEqualTo(PromptPolicy.fromFile(keys.cascadePrompts(volumeId, cascadeId)));
            assertThat(j.structures()).containsExactly(5);
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(statuses.poll()).filteredOn(
                s -> s.volumeId().equals(volumeId)).last().satisfies(s -> {
                    assertThat(s.state()).isEqualTo(VolumeStatus.State.ACCEPTED);
                    assertThat(s.detail()).isEqualTo("stage 1: axial; then stage 2 on prompts derived from its"
                            + " fusion: coronal, sagittal");
                }));

        // on none of the requested axes it cannot run: refused at the door
        Path half = Files.write(tmp.resolve("half.mrk.json"), markups);
        JsonNode refused = upload(SAMPLE, null, half, null, Map.of("axes", "coronal,sagittal"), 422);
        assertThat(refused.get("reason").asString()).isEqualTo(Reason.UNPROMPTED_AXIS.name());
        assertThat(refused.get("detail").asString()).contains("liver (5) has no prompt on coronal, sagittal");

        // clicks in LPS millimetres prompt all three axes: accepted, and the worker gets them in version 1 form
        JsonNode accepted = upload(SAMPLE, null, Path.of("..", "samples", "prompts-example-v2.json"), null, 202);
        String requestId = accepted.get("requestId").asString();
        assertThat(jobs.readToEnd()).filteredOn(j -> j.requestId().equals(requestId)).hasSize(3)
                .allSatisfy(j -> assertThat(j.structures()).containsExactly(1, 5, 52));
        try (InputStream stored = store.get(keys.prompts(accepted.get("volumeId").asString(), requestId))) {
            // the liver click at LPS (-65.04, -185.32, 151.3) mm is voxel (81, 58, 19) of the RAS sample
            assertThat(new String(stored.readAllBytes(), StandardCharsets.UTF_8))
                    .startsWith("{\"version\":1,").contains("{\"structure\":5,\"axis\":\"axial\",\"slice\":19,");
        }
    }

    /** Every record of {@code topic} up to its current end, with its headers. */
    private static List<ConsumerRecord<String, byte[]>> records(String topic) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
        }
        return records;
    }

    private static int statusOf(RestClient.RequestHeadersSpec<?> request) {
        return request.exchange((r, response) -> response.getStatusCode().value());
    }

    private static List<VolumeAccepted> ofVolume(List<VolumeAccepted> events, String volumeId) {
        return events.stream().filter(v -> v.volumeId().equals(volumeId)).toList();
    }

    private static List<AxisJob> jobsOf(String volumeId) {
        return jobs.poll().stream().filter(j -> j.volumeId().equals(volumeId)).toList();
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + environment.getProperty("local.server.port");
    }

    /** The API with the right token. */
    private RestClient http() {
        return RestClient.builder().baseUrl(baseUrl()).defaultHeader("Authorization", "Bearer " + TOKEN).build();
    }

    private JsonNode upload(Path image, Path labels, Path prompts, String structures, int expectedStatus)
            throws IOException {
        return upload(image, labels, prompts, structures, Map.of(), expectedStatus);
    }

    private JsonNode upload(Path image, Path labels, Path prompts, String structures, Map<String, String> fields,
            int expectedStatus) throws IOException {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        fields.forEach(parts::add);
        parts.add("image", named(image, image.getFileName().toString()));
        if (labels != null) {
            parts.add("labels", named(labels, labels.getFileName().toString()));
        }
        if (prompts != null) {
            parts.add("prompts", named(prompts, prompts.getFileName().toString()));
        }
        if (structures != null) {
            parts.add("structures", structures);
        }
        return post(parts, expectedStatus);
    }

    private JsonNode upload(ByteArrayResource image, ByteArrayResource labels, int expectedStatus) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", image);
        if (labels != null) {
            parts.add("labels", labels);
        }
        return post(parts, expectedStatus);
    }

    private JsonNode post(MultiValueMap<String, Object> parts, int expectedStatus) {
        return http().post().uri("/volumes").contentType(MediaType.MULTIPART_FORM_DATA).body(parts)
                .exchange((request, response) -> {
                    assertThat(response.getStatusCode()).isEqualTo(HttpStatusCode.valueOf(expectedStatus));
                    return response.bodyTo(JsonNode.class);
                });
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private static byte[] withoutText(byte[] nifti) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NiftiWriter.copyWithoutText(new ByteArrayInputStream(nifti), out, "expected");
        return out.toByteArray();
    }

    private static ByteArrayResource named(Path file, String name) throws IOException {
        return new ByteArrayResource(Files.readAllBytes(file)) {
            @Override
            public String getFilename() {
                return name;
            }
        };
    }
}
