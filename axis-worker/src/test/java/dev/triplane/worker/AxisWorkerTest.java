package dev.triplane.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.doThrow;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.CascadeStage;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.synthetic.SyntheticScan;
import dev.triplane.core.volume.Grid;
import dev.triplane.infra.AsyncApiDocument;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Provision;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.storage.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.DefaultShareConsumerFactory;
import org.springframework.kafka.listener.ShareKafkaMessageListenerContainer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker against a real KRaft broker and a real S3 server, with the committed micro model on the sample CT
 * (30 axial slices): a job gives one {@code AxisResult} whose logits object decodes to the job's structures and
 * frames, with progress statuses on the way; the same job delivered again is re-published from the stored
 * logits without computing; labels lacking a structure and a missing image give an {@code ErrorEvent} naming the
 * object, a FAILED status, an {@code AxisResult} with the failed outcome (fusion then ends the request) and the
 * record on the DLT, while the next valid job completes; so do a job that runs
 * out of memory ({@code RESOURCE_LIMIT}) and one failing on every attempt; health, the job durations and the Kafka
 * consumer metrics are served. The store is the real one, spied on only to inject those two failures.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "triplane.worker.models-dir=../models", "triplane.worker.threads=2", "triplane.worker.progress-interval=0s"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AxisWorkerTest {

    private static final Path SAMPLE_IMAGE = Path.of("..", "samples", "example_ct_sm.nii.gz");
    private static final Path SAMPLE_LABELS = Path.of("..", "samples", "example_seg.nii.gz");
    /** Prompts for liver and aorta on the sample's axial slices, aorta on a sagittal one. */
    private static final Path SAMPLE_PROMPTS = Path.of("..", "samples", "prompts-example.json");
    private static final Duration WAIT = Duration.ofSeconds(90);
    /** spleen and liver have voxels in the sample labels; brain (90) has none. */
    private static final List<Integer> PRESENT = List.of(1, 5);
    private static final int ABSENT = 90;
    private static final Axis AXIS = Axis.AXIAL;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final LocalStack STACK = SharedLocalStack.get();
    private static final Topics TOPICS = Topics.load();
    private static TopicReader<AxisResult> results;
    private static TopicReader<ErrorEvent> errors;
    private static TopicReader<VolumeStatus> statuses;
    private static KafkaProducer<String, String> producer;
    private static Grid ras;

    @MockitoSpyBean
    private ObjectStore store;
    @Autowired
    private ObjectKeys keys;
    @Autowired
    private MeterRegistry meters;
    @Autowired
    private Environment environment;

    @DynamicPropertySource
    static void stack(DynamicPropertyRegistry registry) {
        STACK.serviceProperties().forEach((name, value) -> registry.add(name, () -> value));
    }

    @BeforeAll
    static void clients() {
        results = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.AXIS_RESULTS), AxisResult.class);
        errors = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.ERRORS), ErrorEvent.class);
        statuses = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.STATUS), VolumeStatus.class);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
        ras = Reorientation.toRas(new NiftiReader(ReadLimits.defaults()).read(SAMPLE_IMAGE).grid()).target();
    }

    @AfterAll
    static void closeClients() {
        results.close();
        errors.close();
        statuses.close();
        producer.close();
    }

    @Test
    @Order(1)
    void aJobYieldsOneResultWhoseLogitsHoldItsStructuresAndFrames() throws Exception {
        AxisJob job = storeVolume(id('a'), PRESENT);
        publish(job);

        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(job.volumeId())).hasSize(1));
        AxisResult result = ofVolume(job.volumeId()).get(0);
        assertThat(result.logitsKey()).isEqualTo(keys.logits(job.volumeId(), job.requestId(), AXIS));
        assertThat(result.structures()).isEqualTo(PRESENT);
        assertThat(result.frames()).isEqualTo(ras.nz());
        assertThat(result.requestAxes()).isEqualTo(job.requestAxes());
        assertThat(result.worker()).endsWith(":" + ProcessHandle.current().pid());
        assertThat(result.model()).isEqualTo(job.model());
        AxisResult.Timings t = result.timings();
        assertThat(t.loadMs()).isPositive();
        assertThat(t.computeMs()).isPositive();
        assertThat(t.totalMs()).isGreaterThanOrEqualTo(t.loadMs() + t.computeMs() + t.storeMs());

        LogitVolume logits;
        try (InputStream in = store.get(result.logitsKey())) {
            logits = LogitVolumeCodec.read(in, result.logitsKey(), ras, Long.MAX_VALUE);
        }
        assertThat(logits.ids()).containsExactly(1, 5);
        assertThat(logits.axis()).isEqualTo(AXIS);
        assertThat(logits.frames().frameCount()).isEqualTo(result.frames());
        for (int i = 0; i < 2; i++) {
            assertThat(logits.last(i)).isGreaterThanOrEqualTo(logits.first(i));
            assertThat(computedFrames(logits, i)).as("frames of structure %d with logits", logits.id(i))
                    .isPositive();
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(statusesOf(job.volumeId())).last()
                .satisfies(s -> assertThat(s.axes()).containsExactly(
                        new VolumeStatus.AxisProgress(AXIS, ras.nz(), ras.nz()))));
        List<VolumeStatus> mine = statusesOf(job.volumeId());
        assertThat(mine).allSatisfy(s -> {
            assertThat(s.state()).isEqualTo(VolumeStatus.State.SEGMENTING);
            assertThat(s.stage()).isEqualTo(Stage.AXIS_WORKER);
            assertThat(s.requestId()).isEqualTo(job.requestId());
            assertThat(s.axes()).singleElement().satisfies(p -> assertThat(p.axis()).isEqualTo(AXIS));
        });
        assertThat(mine).as("progress on the way").anySatisfy(s -> assertThat(s.axes().get(0).framesDone())
                .isBetween(1, ras.nz() - 1));
    }

    /** Frames of a structure's range holding a value other than {@link LogitVolume#ABSENT}. */
    private static int computedFrames(LogitVolume logits, int structure) {
        float[] frame = new float[logits.frames().frameSize()];
        int count = 0;
        for (int t = logits.first(structure); t <= logits.last(structure); t++) {
            logits.copyFrame(structure, t, frame);
            for (float v : frame) {
                if (v != LogitVolume.ABSENT) {
                    count++;
                    break;
                }
            }
        }
        return count;
    }

    @Test
    @Order(2)
    void aRedeliveredJobIsRepublishedWithoutComputing() throws Exception {
        AxisJob job = job(id('a'), PRESENT);
        String logitsKey = keys.logits(job.volumeId(), job.requestId(), AXIS);
        var before = store.stat(logitsKey).orElseThrow();
        double frames = meters.counter("triplane.worker.frames").count();
        publish(job);

        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(job.volumeId())).hasSize(2));
        AxisResult again = ofVolume(job.volumeId()).get(1);
        assertThat(again.logitsKey()).isEqualTo(logitsKey);
        assertThat(again.structures()).isEqualTo(PRESENT);
        assertThat(again.frames()).isEqualTo(ras.nz());
        assertThat(again.timings().computeMs()).isZero();
        assertThat(meters.counter("triplane.worker.frames").count()).isEqualTo(frames);
        assertThat(store.stat(logitsKey).orElseThrow()).isEqualTo(before);
    }

    @Test
    @Order(3)
    void badInputIsReportedAndDeadLetteredAndTheNextJobCompletes() throws Exception {
        AxisJob lacking = storeVolume(id('b'), List.of(1, ABSENT));
        AxisJob missingImage = job(id('c'), PRESENT);
        AxisJob valid = storeVolume(id('d'), List.of(1));
        publish(lacking);
        publish(missingImage);
        publish(valid);

        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(valid.volumeId())).hasSize(1));
        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> e.volumeId().equals(id('b')) || e.volumeId().equals(id('c')))
                .extracting(ErrorEvent::object, ErrorEvent::reason)
                .containsExactlyInAnyOrder(
                        tuple(keys.labels(id('b')), Reason.STRUCTURE_ABSENT),
                        tuple(keys.image(id('c')), Reason.NO_SUCH_OBJECT)));
        assertThat(errors.poll()).filteredOn(e -> e.volumeId().equals(id('b')) || e.volumeId().equals(id('c')))
                .allSatisfy(e -> {
                    assertThat(e.stage()).isEqualTo(Stage.AXIS_WORKER);
                    assertThat(e.retryable()).isFalse();
                });
        // the error event is published before the record is handed to the error handler
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(deadLettersOf(id('b'))).singleElement()
                    .satisfies(v -> assertThat(JSON.readValue(v, AxisJob.class)).isEqualTo(lacking));
            assertThat(deadLettersOf(id('c'))).hasSize(1);
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(statusesOf(id('b'))).singleElement()
                .satisfies(s -> {
                    assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED);
                    assertThat(s.detail()).contains("STRUCTURE_ABSENT").contains(String.valueOf(ABSENT));
                }));
        assertThat(ofVolume(id('b'))).isEmpty();
        assertThat(ofVolume(id('c'))).isEmpty();
        for (AxisJob failed : List.of(lacking, missingImage)) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(failedOf(failed.volumeId())).singleElement()
                    .satisfies(r -> {
                        assertThat(r.axis()).isEqualTo(AXIS);
                        assertThat(r.requestId()).isEqualTo(failed.requestId());
                        assertThat(r.requestAxes()).isEqualTo(failed.requestAxes());
                    }));
        }
        assertThat(store.exists(keys.logits(id('b'), "r1", AXIS))).isFalse();
    }

    @Test
    @Order(4)
    void aPromptFileJobSegmentsItsStructuresAndABadFileIsReported() throws Exception {
        AxisJob file = promptFileJob(id('e'), Files.readAllBytes(SAMPLE_PROMPTS), List.of(5, 52));
        // as a cascade's second stage publishes it: its stage goes into its result, key and status
        AxisJob fromFile = new AxisJob(file.version(), file.volumeId(), file.requestId(), AXIS, List.of(Axis.values()),
                file.imageKey(), null, file.structures(), file.prompts(), file.memoryPolicy(), file.model(),
                file.datasetTag(), new CascadeStage(2, List.of(AXIS), List.of()));
        AxisJob badFile = promptFileJob(id('f'), "{\"version\": 1, \"prompts\": [".getBytes(), List.of(5));
        publish(badFile);
        publish(fromFile);

        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(fromFile.volumeId())).hasSize(1));
        AxisResult result = ofVolume(fromFile.volumeId()).get(0);
        LogitVolume logits;
        try (InputStream in = store.get(result.logitsKey())) {
            logits = LogitVolumeCodec.read(in, result.logitsKey(), ras, Long.MAX_VALUE);
        }
        assertThat(logits.ids()).containsExactly(5, 52);
        assertThat(result.stage()).isEqualTo(fromFile.stage());
        assertThat(result.logitsKey()).isEqualTo(keys.stageLogits(fromFile.volumeId(), "r1", AXIS, 2))
                .isNotEqualTo(keys.logits(fromFile.volumeId(), "r1", AXIS));
        await().atMost(WAIT).untilAsserted(() -> assertThat(statusesOf(fromFile.volumeId())).last()
                .extracting(VolumeStatus::detail).asString().startsWith("stage 2: " + AXIS.id() + "; axis "));
        for (int i = 0; i < 2; i++) {
            // a prompt file propagates over the whole axis
            assertThat(logits.first(i)).isZero();
            assertThat(logits.last(i)).isEqualTo(ras.nz() - 1);
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> e.volumeId().equals(id('f'))).singleElement().satisfies(e -> {
                    assertThat(e.object()).isEqualTo(badFile.prompts().promptFileKey());
                    assertThat(e.reason()).isEqualTo(Reason.BAD_PROMPT_FILE);
                }));
        assertThat(ofVolume(id('f'))).isEmpty();
    }

    @Test
    @Order(5)
    void theShareConsumerAcquiresOneJobAtATime(@Autowired DefaultShareConsumerFactory<String, String> shares) {
        assertThat(shares.getConfigurationProperties()).containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1)
                .containsEntry(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit")
                .doesNotContainKey(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);
    }

    @Test
    @Order(6)
    void healthJobDurationsAndConsumerMetricsAreServed() {
        RestClient http = RestClient.create("http://127.0.0.1:" + environment.getProperty("local.server.port"));
        String health = http.get().uri("/actuator/health").retrieve().body(String.class);
        String prometheus = http.get().uri("/actuator/prometheus").retrieve().body(String.class);

        assertThat(health).contains("\"status\":\"UP\"");
        // computed: a, d, e; re-published: a; bad input: b, c, f
        assertThat(prometheus)
                .containsPattern(job("SEGMENTED") + " 3").containsPattern(job("REPUBLISHED") + " 1")
                .containsPattern(job("BAD_INPUT") + " 3")
                .containsPattern("triplane_jobs_active\\{[^}]*stage=\"AXIS_WORKER\"[^}]*} 0")
                .containsPattern("triplane_worker_frames_total(\\{[^}]*})? [1-9]");
    }

    @Test
    @Order(7)
    void theStartupWarmupDerivesAPromptForEveryStructureOnEveryAxis(@Autowired WorkerWarmup warmup) {
        List<StructurePrompts> prompts = warmup.prompts(SyntheticScan.create());

        assertThat(prompts).hasSize(SyntheticScan.STRUCTURES.length * Axis.values().length);
        assertThat(prompts).allSatisfy(p -> assertThat(p.frames()).isNotEmpty());
    }

    @Test
    @Order(8)
    void aJobOutOfMemoryOrFailingOnEveryAttemptEndsFailedAndTheNextJobCompletes() throws Exception {
        AxisJob outOfMemory = storeVolume(id('7'), PRESENT);
        AxisJob failing = storeVolume(id('8'), PRESENT);
        AxisJob valid = storeVolume(id('9'), List.of(1));
        doThrow(new OutOfMemoryError("Java heap space")).when(store).get(outOfMemory.imageKey());
        doThrow(new IllegalStateException("a bug")).when(store).get(failing.imageKey());
        publish(outOfMemory);
        publish(failing);
        publish(valid);

        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(valid.volumeId())).hasSize(1));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(errors.poll()).filteredOn(e -> e.volumeId().equals(id('7'))).singleElement().satisfies(e -> {
                assertThat(e.reason()).isEqualTo(Reason.RESOURCE_LIMIT);
                assertThat(e.object()).isEqualTo(outOfMemory.imageKey());
                assertThat(e.detail()).contains("volume " + id('7'), "axis " + AXIS.id(), "2 structures");
            });
            assertThat(errors.poll()).filteredOn(e -> e.volumeId().equals(id('8'))).singleElement().satisfies(e -> {
                assertThat(e.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
                assertThat(e.detail()).contains("failed 3 times", "a bug");
            });
        });
        for (String volumeId : List.of(id('7'), id('8'))) {
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(statusesOf(volumeId)).singleElement()
                        .satisfies(s -> assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED));
                assertThat(deadLettersOf(volumeId)).hasSize(1);
            });
            assertThat(ofVolume(volumeId)).isEmpty();
        }
    }

    @Test
    void itsListenersJoinTheConsumerGroupsOfTheAsyncApiDocument(
            @Autowired ShareKafkaMessageListenerContainer<String, String> jobs) {
        Map<String, String> groups = AsyncApiDocument.consumerGroups("axis-worker");
        assertThat(jobs.getContainerProperties().getTopics()).containsExactly(TOPICS.name(Topic.AXIS_JOBS));
        assertThat(jobs.getGroupId()).isEqualTo(groups.get(TOPICS.name(Topic.AXIS_JOBS)));
        // a share group, whose settings provisioning applies
        assertThat(Provision.shareGroups()).containsKey(jobs.getGroupId());
        assertThat(jobs.isRunning()).isTrue();
    }

    private static String job(String outcome) {
        return "triplane_job_duration_seconds_count\\{[^}]*outcome=\"" + outcome + "\",stage=\"AXIS_WORKER\"[^}]*}";
    }

    /** The values dead-lettered for a volume, up to the end of the DLT. */
    private static List<String> deadLettersOf(String volumeId) {
        return TopicReader.readAll(STACK.bootstrapServers(), TOPICS.deadLetter(Topic.AXIS_JOBS).orElseThrow().name(),
                String.class).stream().filter(v -> v.contains(volumeId)).toList();
    }

    /** Stores the sample image and labels under the volume's keys and returns its job. */
    private AxisJob storeVolume(String volumeId, List<Integer> structures) throws Exception {
        store.put(keys.image(volumeId), Files.readAllBytes(SAMPLE_IMAGE), null);
        store.put(keys.labels(volumeId), Files.readAllBytes(SAMPLE_LABELS), null);
        return job(volumeId, structures);
    }

    private AxisJob job(String volumeId, List<Integer> structures) {
        return new AxisJob(AxisJob.CURRENT_VERSION, volumeId, "r1", AXIS, List.of(AXIS), keys.image(volumeId),
                keys.labels(volumeId), structures,
                PromptPolicy.fromLabels(2, SliceSelector.EXTENT_ENDS, List.of(PromptKind.BOX)), "baseline",
                "sam2-micro", "worker-test");
    }

    /** Stores the sample image and a prompt file under the volume's keys and returns its job. */
    private AxisJob promptFileJob(String volumeId, byte[] promptFile, List<Integer> structures) throws Exception {
        store.put(keys.image(volumeId), Files.readAllBytes(SAMPLE_IMAGE), null);
        String promptsKey = keys.prompts(volumeId, "r1");
        store.put(promptsKey, promptFile, "application/json");
        return new AxisJob(AxisJob.CURRENT_VERSION, volumeId, "r1", AXIS, List.of(AXIS), keys.image(volumeId), null,
                structures, PromptPolicy.fromFile(promptsKey), "baseline", "sam2-micro", "worker-test");
    }

    private void publish(AxisJob job) throws Exception {
        producer.send(new ProducerRecord<>(TOPICS.name(Topic.AXIS_JOBS), job.volumeId(),
                JSON.writeValueAsString(job))).get();
    }

    private static List<VolumeStatus> statusesOf(String volumeId) {
        return statuses.poll().stream().filter(s -> s.volumeId().equals(volumeId)).toList();
    }

    /** The segmented results of a volume. */
    private static List<AxisResult> ofVolume(String volumeId) {
        return results.poll().stream().filter(r -> r.volumeId().equals(volumeId) && !r.failed()).toList();
    }

    /** The failed results of a volume. */
    private static List<AxisResult> failedOf(String volumeId) {
        return results.poll().stream().filter(r -> r.volumeId().equals(volumeId) && r.failed()).toList();
    }

    private static String id(char c) {
        return String.valueOf(c).repeat(64);
    }
}
