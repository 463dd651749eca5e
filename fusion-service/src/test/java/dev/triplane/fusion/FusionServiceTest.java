package dev.triplane.fusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.infra.AsyncApiDocument;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.service.TriplaneProperties;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ClassPathResource;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service against a real KRaft broker and a real S3 server, with the {@code fuse-partial} policy and a short
 * axis timeout: three axis results give exactly one {@code SegmentationReady} whose NIfTI is on the input's grid
 * with the expected labels, and neither a duplicate result nor a redelivered fusion job after it gives a second
 * one; two of three axes give a partial segmentation after the timeout; a corrupt logits object gives an
 * {@code ErrorEvent} naming it and a FAILED status while the next request still fuses; records that are not an
 * axis result or a fusion job go to their DLTs; a store failure during a fusion is retried and the request
 * published once; a store outage longer than {@code triplane.outage-budget} (2 s here) ends FAILED
 * {@code UNAVAILABLE}, and one out of memory ends
 * FAILED with {@code RESOURCE_LIMIT}, each while the next request still fuses.
 *
 * <p>Every request of a test is published with the volume id as key, so a later request of the same volume sits
 * after the earlier records on the same partition: once its segmentation appears, the earlier records have been
 * processed, and their absence of output is proven without waiting on a clock.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "triplane.fusion.axis-timeout=3s", "triplane.fusion.on-timeout=fuse-partial",
        "triplane.fusion.max-attempts=3", "triplane.outage-budget=2s"})
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FusionServiceTest {

    static final Duration WAIT = Duration.ofSeconds(90);
    static final LocalStack STACK = SharedLocalStack.get();
    static final Topics TOPICS = Topics.load();
    static final JsonMapper JSON = JsonMapper.builder().build();

    private static TopicReader<SegmentationReady> segmentations;
    private static TopicReader<VolumeStatus> statuses;
    private static TopicReader<ErrorEvent> errors;
    private static KafkaProducer<String, String> producer;

    @Autowired
    private ObjectStore store;
    @Autowired
    private ObjectKeys keys;
    @Autowired
    private NiftiReader reader;
    @Autowired
    private Environment environment;

    /** The store of the service and of the test: the real one, failing once for {@link FlakyObjectStore#FLAKY}. */
    @TestConfiguration(proxyBeanMethods = false)
    static class FlakyStore {

        @Bean(destroyMethod = "close")
        ObjectStore objectStore(TriplaneProperties properties, ObjectKeys keys) {
            return new FlakyObjectStore(new MinioObjectStore(properties.s3().endpoint(), keys.bucket()));
        }
    }

    /** The stack, and an application id and group of this context's own: another context must not share work. */
    @DynamicPropertySource
    static void stack(DynamicPropertyRegistry registry) {
        ownStack(registry);
    }

    static void ownStack(DynamicPropertyRegistry registry) {
        STACK.serviceProperties().forEach((name, value) -> registry.add(name, () -> value));
        String id = "fusion-test-" + UUID.randomUUID();
        registry.add("spring.kafka.streams.application-id", () -> id);
        registry.add("spring.kafka.consumer.group-id", () -> id + "-step");
    }

    @BeforeAll
    static void clients() {
        segmentations = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.SEGMENTATIONS),
                SegmentationReady.class);
        statuses = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.STATUS), VolumeStatus.class);
        errors = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.ERRORS), ErrorEvent.class);
        producer = producer();
    }

    @AfterAll
    static void closeClients() {
        segmentations.close();
        statuses.close();
        errors.close();
        producer.close();
    }

    @Test
    @Order(1)
    void threeAxesGiveExactlyOneSegmentationOnTheInputGridAndADuplicateNoSecond() {
        FusionFixture request = stored(new FusionFixture("r-full"));
        for (Axis axis : Axis.values()) {
            publish(request.result(axis));
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(segmentationsOf(request)).hasSize(1));
        SegmentationReady ready = segmentationsOf(request).get(0);
        assertThat(ready.partial()).isFalse();
        assertThat(ready.axes()).containsExactly(Axis.values());
        assertThat(ready.structures()).extracting(SegmentationReady.StructureVoxels::voxels).containsExactly(1L, 27L);
        NiftiImage segmentation = reader.read(store.get(ready.segmentationKey()), ready.segmentationKey());
        assertThat(segmentation.grid()).isEqualTo(FusionFixture.GRID);
        assertThat(segmentation.header().qformCode()).isEqualTo(FusionFixture.TEMPLATE_IMAGE.header().qformCode());
        assertThat(segmentation.toLabelVolume().labels()).containsExactly(FusionFixture.expectedLabels());
        assertThat(store.exists(ready.uncertaintyKey())).isTrue();
        assertThat(ready.dicomSegmentationKey()).isNull();
        assertThat(store.exists(keys.dicomSegmentation(request.volumeId, request.requestId))).isFalse();
        await().atMost(WAIT).untilAsserted(() -> assertThat(statusesOf(request))
                .anySatisfy(s -> assertThat(s.state()).isEqualTo(VolumeStatus.State.SEGMENTED)));

        publish(request.result(Axis.CORONAL));
        // a second job of the finished request (its topology marker expired, or a duplicate): the done marker holds
        FusionJob again = new FusionJob(FusionJob.CURRENT_VERSION, request.volumeId, request.requestId,
                List.of(request.result(Axis.AXIAL), request.result(Axis.CORONAL), request.result(Axis.SAGITTAL)),
                false, List.of());
        producer.send(new ProducerRecord<>(TOPICS.name(Topic.FUSION_JOBS), request.volumeId,
                JSON.writeValueAsString(again)));
        FusionFixture next = stored(new FusionFixture(request.volumeId, "r-after-duplicate"));
        for (Axis axis : Axis.values()) {
            publish(next.result(axis));
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(segmentationsOf(next)).hasSize(1));
        assertThat(segmentationsOf(request)).hasSize(1);
        assertThat(store.exists(keys.fusionDone(request.volumeId, request.requestId))).isTrue();
    }

    @Test
    @Order(2)
    void twoOfThreeAxesArePartiallyFusedAfterTheTimeout() {
        FusionFixture request = stored(new FusionFixture("r-partial"));
        publish(request.result(Axis.AXIAL));
        publish(request.result(Axis.SAGITTAL));

        await().atMost(WAIT).untilAsserted(() -> assertThat(segmentationsOf(request)).hasSize(1));
        SegmentationReady ready = segmentationsOf(request).get(0);
        assertThat(ready.partial()).isTrue();
        assertThat(ready.axes()).containsExactly(Axis.AXIAL, Axis.SAGITTAL);
        await().atMost(WAIT).untilAsserted(() -> assertThat(statusesOf(request)).anySatisfy(s -> {
            assertThat(s.state()).isEqualTo(VolumeStatus.State.SEGMENTED);
            assertThat(s.detail()).contains("partial").contains("coronal");
        }));
    }

    @Test
    @Order(3)
    void aCorruptLogitsObjectFailsItsRequestAndTheNextStillFuses() {
        FusionFixture bad = new FusionFixture("r-corrupt");
        String corrupt = keys.logits(bad.volumeId, bad.requestId, Axis.AXIAL);
        bad.objects.put(corrupt, "not a logit volume".getBytes());
        stored(bad);
        for (Axis axis : Axis.values()) {
            publish(bad.result(axis));
        }
        producer.send(new ProducerRecord<>(TOPICS.name(Topic.AXIS_RESULTS), bad.volumeId, "not an axis result"));
        producer.send(new ProducerRecord<>(TOPICS.name(Topic.FUSION_JOBS), bad.volumeId, "not a fusion job"));
        FusionFixture next = stored(new FusionFixture(bad.volumeId, "r-after-corrupt"));
        for (Axis axis : Axis.values()) {
            publish(next.result(axis));
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(segmentationsOf(next)).hasSize(1));
        assertThat(segmentationsOf(bad)).isEmpty();
        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> corrupt.equals(e.object())).singleElement().satisfies(e -> {
                    assertThat(e.stage()).isEqualTo(Stage.FUSION);
                    assertThat(e.reason()).isEqualTo(Reason.BAD_MAGIC);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.requestId()).isEqualTo("r-corrupt");
                }));
        await().atMost(WAIT).untilAsserted(() -> assertThat(statusesOf(bad))
                .anySatisfy(s -> assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED)));
        try (TopicReader<String> deadLetters = new TopicReader<>(STACK.bootstrapServers(),
                TOPICS.deadLetter(Topic.AXIS_RESULTS).orElseThrow().name(), String.class)) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(deadLetters.poll()).contains("not an axis result"));
        }
        try (TopicReader<String> deadLetters = new TopicReader<>(STACK.bootstrapServers(),
                TOPICS.deadLetter(Topic.FUSION_JOBS).orElseThrow().name(), String.class)) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(deadLetters.poll()).contains("not a fusion job"));
        }
    }

    @Test
    @Order(4)
    void aFusionInterruptedByAStoreFailureIsRetriedAndPublishedOnce() {
        FusionFixture request = stored(new FusionFixture(FlakyObjectStore.FLAKY));
        for (Axis axis : Axis.values()) {
            publish(request.result(axis));
        }
        FusionFixture next = stored(new FusionFixture(request.volumeId, "r-after-flaky"));
        for (Axis axis : Axis.values()) {
            publish(next.result(axis));
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(segmentationsOf(next)).hasSize(1));
        assertThat(((FlakyObjectStore) store).failures()).isEqualTo(1);
        assertThat(segmentationsOf(request)).singleElement()
                .satisfies(s -> assertThat(s.structures()).extracting(SegmentationReady.StructureVoxels::voxels)
                        .containsExactly(1L, 27L));
    }

    @Test
    @Order(5)
    void aStoreOutagePastTheOutageBudgetEndsFailedUnavailableAndTheNextStillFuses() {
        FusionFixture broken = stored(new FusionFixture(FlakyObjectStore.BROKEN));
        for (Axis axis : Axis.values()) {
            publish(broken.result(axis));
        }
        FusionFixture next = stored(new FusionFixture(broken.volumeId, "r-after-broken"));
        for (Axis axis : Axis.values()) {
            publish(next.result(axis));
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(segmentationsOf(next)).hasSize(1));
        // backed off for the test's 2 s budget (1 s, then 2 s), not max-attempts times
        assertThat(((FlakyObjectStore) store).brokenReads()).isBetween(2, 4);
        assertThat(segmentationsOf(broken)).isEmpty();
        String request = keys.request(broken.volumeId, FlakyObjectStore.BROKEN);
        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> request.equals(e.object())).singleElement().satisfies(e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                    assertThat(e.detail()).contains("outage backoff (PT2S)").contains("connection refused");
                    assertThat(e.stage()).isEqualTo(Stage.FUSION);
                }));
        await().atMost(WAIT).untilAsserted(() -> assertThat(statusesOf(broken))
                .anySatisfy(s -> assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED)));
    }

    @Test
    @Order(6)
    void aFusionOutOfMemoryEndsFailedWithAResourceLimitAndTheNextStillFuses() {
        FusionFixture oom = stored(new FusionFixture(FlakyObjectStore.OOM));
        for (Axis axis : Axis.values()) {
            publish(oom.result(axis));
        }
        FusionFixture next = stored(new FusionFixture(oom.volumeId, "r-after-oom"));
        for (Axis axis : Axis.values()) {
            publish(next.result(axis));
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(segmentationsOf(next)).hasSize(1));
        assertThat(segmentationsOf(oom)).isEmpty();
        String request = keys.request(oom.volumeId, FlakyObjectStore.OOM);
        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> request.equals(e.object())).singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo(Reason.RESOURCE_LIMIT)));
        await().atMost(WAIT).untilAsserted(() -> assertThat(statusesOf(oom)).anySatisfy(s -> {
            assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED);
            assertThat(s.detail()).startsWith(FusionStep.RESOURCE_LIMIT);
        }));
    }

    @Test
    @Order(7)
    void healthAndJobDurationsAreServed() {
        RestClient http = RestClient.create("http://127.0.0.1:" + environment.getProperty("local.server.port"));
        String health = http.get().uri("/actuator/health").retrieve().body(String.class);
        String prometheus = http.get().uri("/actuator/prometheus").retrieve().body(String.class);

        assertThat(health).contains("\"status\":\"UP\"");
        // at least r-full, r-after-duplicate, r-after-corrupt, r-flaky, r-after-flaky, r-after-broken, r-after-oom
        // fused; r-partial partial; r-corrupt bad input; r-full's second job already done; r-flaky's first attempt
        // and r-broken's three failed; r-oom out of memory
        assertThat(prometheus)
                .containsPattern(job("FUSED") + atLeast(7)).containsPattern(job("PARTIAL") + atLeast(1))
                .containsPattern(job("BAD_INPUT") + atLeast(1)).containsPattern(job("FAILED") + atLeast(4))
                .containsPattern(job("ALREADY_DONE") + atLeast(1)).containsPattern(job("RESOURCE_LIMIT") + atLeast(1))
                .containsPattern("triplane_jobs_active\\{[^}]*stage=\"FUSION\"[^}]*} 0")
                .contains("kafka_stream");
    }

    @Test
    void itsListenersJoinTheConfiguredGroupsWhoseDefaultsAreTheAsyncApiDocuments(
            @Autowired KafkaListenerEndpointRegistry listeners, @Autowired StreamsBuilderFactoryBean streams) {
        // this test runs under groups of its own; the configured ones are what the containers join
        assertThat(listeners.getListenerContainers()).singleElement().satisfies(container -> {
            assertThat(container.getContainerProperties().getTopics()).containsExactly(TOPICS.name(Topic.FUSION_JOBS));
            assertThat(container.getGroupId()).isEqualTo(environment.getProperty("spring.kafka.consumer.group-id"));
        });
        assertThat(streams.getStreamsConfiguration().getProperty(StreamsConfig.APPLICATION_ID_CONFIG))
                .isEqualTo(environment.getProperty("spring.kafka.streams.application-id"));
        // and the defaults of application.yml are the groups the document names
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yml"));
        Properties defaults = yaml.getObject();
        assertThat(AsyncApiDocument.consumerGroups("fusion-service")).containsExactly(
                Map.entry(TOPICS.name(Topic.AXIS_RESULTS), defaults.getProperty("spring.kafka.streams.application-id")),
                Map.entry(TOPICS.name(Topic.FUSION_JOBS), defaults.getProperty("spring.kafka.consumer.group-id")));
    }

    /** A count of at least {@code n} (below 10): jobs of earlier runs on the shared stack may add to it. */
    /**
     * A volume ingest read from DICOM has its series' DicomSource in the bucket: fusion stores the fused labels as
     * the SEG of that series beside the NIfTI and names its key in the event, which carries no patient data.
     */
    @Test
    @Order(8)
    void aVolumeReadFromDicomGetsADicomSegBesideTheNifti() throws Exception {
        FusionFixture request = stored(new FusionFixture("r-dicom"));
        store.put(keys.dicomSource(request.volumeId),
                JSON.writeValueAsBytes(FusionFixture.dicomSource(FusionFixture.GRID.ny())), "application/json");
        for (Axis axis : Axis.values()) {
            publish(RequestFusionTest.withModel(request.result(axis), "sam2-micro"));
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(segmentationsOf(request)).hasSize(1));
        SegmentationReady ready = segmentationsOf(request).get(0);
        assertThat(ready.dicomSegmentationKey()).isEqualTo(keys.dicomSegmentation(request.volumeId,
                request.requestId));
        try (InputStream seg = store.get(ready.dicomSegmentationKey())) {
            assertThat(seg.readAllBytes()).isEqualTo(request.expectedSeg("sam2-micro"));
        }
        assertThat(store.exists(ready.segmentationKey())).isTrue();
        assertThat(JSON.writeValueAsString(ready)).doesNotContain(FusionFixture.PATIENT_NAME)
                .doesNotContain("SEG-FIXTURE-ID");
    }

    private static String atLeast(int n) {
        return " (?:[" + n + "-9]|[1-9][0-9]+)(?![0-9])";
    }

    private static String job(String outcome) {
        return "triplane_job_duration_seconds_count\\{[^}]*outcome=\"" + outcome + "\"[^}]*stage=\"FUSION\"[^}]*}";
    }

    private FusionFixture stored(FusionFixture fixture) {
        fixture.objects.forEach((key, bytes) -> store.put(key, bytes, null));
        return fixture;
    }

    static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    private static void publish(AxisResult result) {
        producer.send(new ProducerRecord<>(TOPICS.name(Topic.AXIS_RESULTS), result.volumeId(),
                JSON.writeValueAsString(result)));
        producer.flush();
    }

    private static List<SegmentationReady> segmentationsOf(FusionFixture request) {
        return segmentations.poll().stream().filter(s -> s.volumeId().equals(request.volumeId)
                && s.requestId().equals(request.requestId)).toList();
    }

    private static List<VolumeStatus> statusesOf(FusionFixture request) {
        return statuses.poll().stream().filter(s -> s.volumeId().equals(request.volumeId)
                && request.requestId.equals(s.requestId())).toList();
    }
}
