package dev.triplane.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.metrics.StructureMetrics;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.AsyncApiDocument;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.service.TransactionalPublisher;
import dev.triplane.infra.storage.ObjectStore;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service against a real KRaft broker and a real S3 server: the sample labels as reference and a copy with
 * one structure removed as segmentation give one {@code MetricsReady} (Dice 1 for untouched structures, 0 and NaN
 * HD for the removed one) and a {@code metrics.json}; the same record delivered twice counts the volume once in
 * the dataset aggregate; a segmentation that is not NIfTI gives one {@code ErrorEvent} naming it and the next
 * valid one still completes; a segmentation without labels completes with a status and no metrics; a
 * segmentation on another grid than its labels gives an {@code ErrorEvent} naming it and a FAILED status and goes
 * to the DLT while the next is measured; a missing segmentation or labels object gives an {@code ErrorEvent}
 * naming its key; a segmentation that runs out of memory ends in {@code RESOURCE_LIMIT} and FAILED and the next
 * is measured (the store is the real one, spied on only to inject that failure); a service killed after its store
 * and before its send, or after its send and before its commit, yields exactly one {@code MetricsReady} to
 * {@code read_committed} readers (the transactional publisher is the real one, spied on to fail at those points).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsServiceTest {

    private static final Path SAMPLE_LABELS = Path.of("..", "samples", "example_seg.nii.gz");
    /** A small uint8 volume on a grid unlike the sample's (a fixture of core's NIfTI tests). */
    private static final Path OTHER_GRID = Path.of("..", "core", "src", "test", "resources", "fixtures", "nifti",
            "dtype_uint8.nii");
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Structures with voxels in the sample labels: spleen, kidney_right... (ids 1, 5; 117 is present too). */
    private static final int UNTOUCHED = 1;
    private static final int REMOVED = 5;
    private static final int ALSO_UNTOUCHED = 117;
    private static final String TAG = "metrics-test";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final LocalStack STACK = SharedLocalStack.get();
    private static final Topics TOPICS = Topics.load();
    private static TopicReader<MetricsReady> metrics;
    private static TopicReader<ErrorEvent> errors;
    private static KafkaProducer<String, String> producer;

    @MockitoSpyBean
    private ObjectStore store;
    @MockitoSpyBean
    private TransactionalPublisher transactions;
    @Autowired
    private ObjectKeys keys;
    @Autowired
    private Environment environment;

    @DynamicPropertySource
    static void stack(DynamicPropertyRegistry registry) {
        STACK.serviceProperties().forEach((name, value) -> registry.add(name, () -> value));
    }

    @BeforeAll
    static void clients() {
        metrics = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.METRICS), MetricsReady.class);
        errors = new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(Topic.ERRORS), ErrorEvent.class);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    @AfterAll
    static void closeClients() {
        metrics.close();
        errors.close();
        producer.close();
    }

    @Test
    @Order(1)
    void aSegmentationWithLabelsYieldsOneMetricsEventCountedOnceWhenRedelivered() throws Exception {
        SegmentationReady seg = storeVolume(id('a'));
        publish(seg);

        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(seg.volumeId())).hasSize(1));
        MetricsReady ready = ofVolume(seg.volumeId()).get(0);
        assertThat(ready.metricsKey()).isEqualTo(keys.metrics(seg.volumeId(), seg.requestId()));
        assertThat(ready.structures()).extracting(StructureMetrics::id)
                .containsExactly(UNTOUCHED, REMOVED, ALSO_UNTOUCHED);
        StructureMetrics untouched = ready.structures().get(0);
        assertThat(untouched.dice()).isEqualTo(1.0);
        assertThat(untouched.hd()).isEqualTo(0.0);
        assertThat(untouched.name()).isEqualTo("spleen");
        StructureMetrics removed = ready.structures().get(1);
        assertThat(removed.dice()).isEqualTo(0.0);
        assertThat(removed.predVoxels()).isZero();
        assertThat(removed.refVoxels()).isPositive();
        assertThat(removed.hd()).isNaN();
        assertThat(ready.structures().get(2).dice()).isEqualTo(1.0);
        assertThat(ready.datasetVolumes()).isEqualTo(1);
        assertThat(store.exists(ready.metricsKey())).isTrue();

        publish(seg);
        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(seg.volumeId())).hasSize(2));
        assertThat(ofVolume(seg.volumeId()).get(1).datasetVolumes()).isEqualTo(1);
        assertThat(ofVolume(seg.volumeId()).get(1).datasetAggregate().structures()).isEqualTo(3);
    }

    @Test
    @Order(2)
    void aGarbageSegmentationYieldsOneErrorAndTheNextValidOneCompletes() throws Exception {
        SegmentationReady valid = storeVolume(id('b'));
        String garbageKey = keys.segmentation(id('c'), "r1");
        store.put(garbageKey, "not a NIfTI file".getBytes(), null);
        SegmentationReady garbage = new SegmentationReady(SegmentationReady.CURRENT_VERSION, id('c'), "r1",
                garbageKey, keys.uncertainty(id('c'), "r1"), keys.image(id('c')), valid.labelsKey(), "mean-logit",
                List.of(Axis.AXIAL), false, valid.structures(), TAG);
        publish(garbage);
        publish(valid);

        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(valid.volumeId())).hasSize(1));
        assertThat(ofVolume(valid.volumeId()).get(0).datasetVolumes()).isEqualTo(2);
        List<ErrorEvent> found = errors.readToEnd().stream().filter(e -> garbageKey.equals(e.object())).toList();
        assertThat(found).hasSize(1);
        assertThat(found.get(0).stage()).isEqualTo(Stage.METRICS);
        assertThat(found.get(0).retryable()).isFalse();
        assertThat(ofVolume(id('c'))).isEmpty();
    }

    @Test
    @Order(3)
    void aSegmentationWithoutLabelsCompletesWithoutMetrics() throws Exception {
        SegmentationReady labelled = storeVolume(id('d'));
        SegmentationReady unlabelled = new SegmentationReady(labelled.version(), labelled.volumeId(), "r2",
                labelled.segmentationKey(), labelled.uncertaintyKey(), labelled.imageKey(), null,
                labelled.fusionRule(), labelled.axes(), false, labelled.structures(), TAG);
        try (TopicReader<VolumeStatus> statuses = new TopicReader<>(STACK.bootstrapServers(),
                TOPICS.name(Topic.STATUS), VolumeStatus.class)) {
            publish(unlabelled);
            await().atMost(WAIT).untilAsserted(() -> assertThat(statuses.poll())
                    .anySatisfy(s -> {
                        assertThat(s.volumeId()).isEqualTo(id('d'));
                        assertThat(s.requestId()).isEqualTo("r2");
                        assertThat(s.state()).isEqualTo(VolumeStatus.State.COMPLETED);
                    }));
        }
        assertThat(ofVolume(id('d'))).isEmpty();
        assertThat(store.exists(keys.metrics(id('d'), "r2"))).isFalse();
    }

    @Test
    @Order(4)
    void aSegmentationOnAnotherGridIsReportedAndDeadLetteredAndTheNextIsMeasured() throws Exception {
        SegmentationReady valid = storeVolume(id('f'));
        String otherGridKey = keys.segmentation(id('e'), "r1");
        store.put(otherGridKey, Files.readAllBytes(OTHER_GRID), null);
        store.put(keys.labels(id('e')), Files.readAllBytes(SAMPLE_LABELS), null);
        SegmentationReady otherGrid = new SegmentationReady(SegmentationReady.CURRENT_VERSION, id('e'), "r1",
                otherGridKey, keys.uncertainty(id('e'), "r1"), keys.image(id('e')), keys.labels(id('e')),
                "mean-logit", List.of(Axis.AXIAL), false, valid.structures(), TAG);
        publish(otherGrid);
        publish(valid);

        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(valid.volumeId())).hasSize(1));
        // the two keys may sit on different partitions: the bad record may be handled after the valid one
        await().atMost(WAIT).untilAsserted(() -> assertThat(deadLettersOf(id('e'))).singleElement()
                .satisfies(v -> assertThat(JSON.readValue(v, SegmentationReady.class)).isEqualTo(otherGrid)));
        assertThat(errors.readToEnd()).filteredOn(e -> otherGridKey.equals(e.object())).singleElement()
                .satisfies(e -> {
                    assertThat(e.stage()).isEqualTo(Stage.METRICS);
                    assertThat(e.reason()).isEqualTo(Reason.GRID_MISMATCH);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.volumeId()).isEqualTo(id('e'));
                });
        assertThat(ofVolume(id('e'))).isEmpty();
        assertThat(store.exists(keys.metrics(id('e'), "r1"))).isFalse();
        await().atMost(WAIT).untilAsserted(() -> assertThat(statusesOf(id('e'))).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED);
            assertThat(s.stage()).isEqualTo(Stage.METRICS);
            assertThat(s.detail()).startsWith("GRID_MISMATCH: ");
        }));
    }

    @Test
    @Order(5)
    void aMissingSegmentationOrLabelsObjectIsReportedByItsKey() throws Exception {
        SegmentationReady stored = storeVolume(id('1'));
        String missingSegmentation = keys.segmentation(id('1'), "never-written");
        String missingLabels = keys.labels(id('2'));
        publish(new SegmentationReady(stored.version(), id('1'), "never-written", missingSegmentation,
                stored.uncertaintyKey(), stored.imageKey(), stored.labelsKey(), stored.fusionRule(), stored.axes(),
                false, stored.structures(), TAG));
        publish(new SegmentationReady(stored.version(), id('2'), "r1", stored.segmentationKey(),
                stored.uncertaintyKey(), keys.image(id('2')), missingLabels, stored.fusionRule(), stored.axes(),
                false, stored.structures(), TAG));

        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> e.object().equals(missingSegmentation) || e.object().equals(missingLabels))
                .extracting(ErrorEvent::object, ErrorEvent::reason, ErrorEvent::retryable)
                .containsExactlyInAnyOrder(tuple(missingSegmentation, Reason.NO_SUCH_OBJECT, false),
                        tuple(missingLabels, Reason.NO_SUCH_OBJECT, false)));
        // the error event, the status and the dead-letter copy are committed together
        await().atMost(WAIT).untilAsserted(() -> assertThat(deadLettersOf(id('2'))).hasSize(1));
        assertThat(ofVolume(id('1'))).isEmpty();
        assertThat(ofVolume(id('2'))).isEmpty();
    }

    @Test
    @Order(6)
    void healthAndJobDurationsAreServed(@Autowired ApplicationContext context) {
        RestClient http = RestClient.create("http://127.0.0.1:" + environment.getProperty("local.server.port"));
        String health = http.get().uri("/actuator/health").retrieve().body(String.class);
        String readiness = http.get().uri("/actuator/health/readiness").retrieve().body(String.class);
        String prometheus = http.get().uri("/actuator/prometheus").retrieve().body(String.class);

        assertThat(health).contains("\"status\":\"UP\"");
        assertThat(readiness).contains("\"status\":\"UP\"", "\"kafka\"", "\"s3\"");
        // no OTLP endpoint configured: no span exporter, so nothing tries to leave the process
        assertThat(context.getBeansOfType(SpanExporter.class)).isEmpty();
        assertThat(prometheus).containsPattern("triplane_errors_total\\{[^}]*reason=\"[A-Z_]+\"[^}]*stage=\"METRICS\"");
        // measured: a twice, b, f; without labels: d; bad input: c, e, and the two missing objects
        assertThat(prometheus)
                .containsPattern(job("MEASURED") + " 4").containsPattern(job("NO_LABELS") + " 1")
                .containsPattern(job("BAD_INPUT") + " 4")
                .containsPattern("triplane_jobs_active\\{[^}]*stage=\"METRICS\"[^}]*} 0")
                .containsPattern("triplane_metrics_published_total(\\{[^}]*})? 4.0");
    }

    @Test
    @Order(7)
    void aSegmentationOutOfMemoryEndsFailedAndTheNextIsMeasured() throws Exception {
        SegmentationReady outOfMemory = storeVolume(id('7'));
        SegmentationReady valid = storeVolume(id('8'));
        doThrow(new OutOfMemoryError("Java heap space")).when(store).get(outOfMemory.segmentationKey());
        publish(outOfMemory);
        publish(valid);

        await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(valid.volumeId())).hasSize(1));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(errors.poll()).filteredOn(e -> e.volumeId().equals(id('7'))).singleElement().satisfies(e -> {
                assertThat(e.reason()).isEqualTo(Reason.RESOURCE_LIMIT);
                assertThat(e.object()).isEqualTo(outOfMemory.segmentationKey());
                assertThat(e.detail()).contains("volume " + id('7'), "3 structures");
            });
            assertThat(statusesOf(id('7'))).singleElement()
                    .satisfies(s -> assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED));
            assertThat(deadLettersOf(id('7'))).hasSize(1);
        });
        assertThat(ofVolume(id('7'))).isEmpty();
    }

    @Test
    @Order(8)
    void killedAfterItsStoreOrAfterItsSendItPublishesExactlyOneMetricsReadyToReadCommittedReaders()
            throws Exception {
        SegmentationReady beforeSend = storeVolume(id('5'));
        SegmentationReady afterSend = storeVolume(id('6'));
        Set<String> killed = ConcurrentHashMap.newKeySet();
        doAnswer(call -> {
            String key = call.getArgument(2);
            if (key.equals(beforeSend.volumeId()) && killed.add(key)) {
                // metrics.json is stored, nothing is sent
                throw new IllegalStateException("killed after its store, before its send");
            }
            if (key.equals(afterSend.volumeId()) && killed.add(key)) {
                // the events are sent in the transaction and reach the log, then the offsets cannot go with
                // them: the transaction is aborted
                Consumer<?, ?> dying = mock(Consumer.class);
                when(dying.groupMetadata()).thenAnswer(sent -> {
                    await().atMost(WAIT).until(() -> uncommittedMetricsOf(key) == 1);
                    throw new IllegalStateException("killed after its send, before its commit");
                });
                transactions.commit(call.getArgument(0), dying, key, call.getArgument(3));
            }
            return call.callRealMethod();
        }).when(transactions).commit(any(), any(), anyString(), anyList());
        publish(beforeSend);
        publish(afterSend);

        for (SegmentationReady seg : List.of(beforeSend, afterSend)) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(ofVolume(seg.volumeId())).hasSize(1));
            assertThat(statusesOf(seg.volumeId())).filteredOn(s -> s.state() == VolumeStatus.State.COMPLETED)
                    .hasSize(1);
        }
        assertThat(killed).containsExactlyInAnyOrder(beforeSend.volumeId(), afterSend.volumeId());
        // the aborted send did reach the log: only read_committed readers skip it
        assertThat(uncommittedMetricsOf(afterSend.volumeId())).isEqualTo(2);
        assertThat(uncommittedMetricsOf(beforeSend.volumeId())).isEqualTo(1);
        assertThat(metrics.readToEnd()).filteredOn(m -> m.volumeId().equals(afterSend.volumeId())).hasSize(1);
    }

    @Test
    void itsListenersJoinTheConsumerGroupsOfTheAsyncApiDocument(@Autowired KafkaListenerEndpointRegistry listeners) {
        Map<String, String> groups = AsyncApiDocument.consumerGroups("metrics-service");
        assertThat(listeners.getListenerContainers()).isNotEmpty();
        for (MessageListenerContainer container : listeners.getListenerContainers()) {
            for (String topic : container.getContainerProperties().getTopics()) {
                assertThat(container.getGroupId()).as(topic).isEqualTo(groups.get(topic));
            }
        }
    }

    /** The metrics records of a volume a {@code read_uncommitted} reader sees, aborted ones included. */
    private static int uncommittedMetricsOf(String volumeId) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPICS.name(Topic.METRICS)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            int count = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    count += volumeId.equals(r.key()) ? 1 : 0;
                }
            }
            return count;
        }
    }

    private static List<VolumeStatus> statusesOf(String volumeId) {
        return TopicReader.readAll(STACK.bootstrapServers(), TOPICS.name(Topic.STATUS), VolumeStatus.class).stream()
                .filter(s -> s.volumeId().equals(volumeId)).toList();
    }

    private static String job(String outcome) {
        return "triplane_job_duration_seconds_count\\{[^}]*outcome=\"" + outcome + "\",stage=\"METRICS\"[^}]*}";
    }

    /** The values dead-lettered for a volume, up to the end of the DLT. */
    private static List<String> deadLettersOf(String volumeId) {
        return TopicReader.readAll(STACK.bootstrapServers(),
                TOPICS.deadLetter(Topic.SEGMENTATIONS).orElseThrow().name(), String.class)
                .stream().filter(v -> v.contains(volumeId)).toList();
    }

    /** Stores the sample labels as reference and a copy without {@link #REMOVED} as segmentation. */
    private SegmentationReady storeVolume(String volumeId) throws IOException {
        NiftiImage image = new NiftiReader(ReadLimits.defaults()).read(SAMPLE_LABELS);
        LabelVolume ref = image.toLabelVolume();
        int[] perturbed = ref.labels().clone();
        for (int i = 0; i < perturbed.length; i++) {
            if (perturbed[i] == REMOVED) {
                perturbed[i] = 0;
            }
        }
        String segKey = keys.segmentation(volumeId, "r1");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NiftiWriter.write(out, segKey, new LabelVolume(ref.grid(), perturbed), image.header(), true);
        store.put(segKey, out.toByteArray(), null);
        store.put(keys.labels(volumeId), Files.readAllBytes(SAMPLE_LABELS), null);
        return new SegmentationReady(SegmentationReady.CURRENT_VERSION, volumeId, "r1", segKey,
                keys.uncertainty(volumeId, "r1"), keys.image(volumeId), keys.labels(volumeId), "mean-logit",
                List.of(Axis.AXIAL, Axis.CORONAL, Axis.SAGITTAL), false,
                List.of(new SegmentationReady.StructureVoxels(UNTOUCHED, 1),
                        new SegmentationReady.StructureVoxels(REMOVED, 0),
                        new SegmentationReady.StructureVoxels(ALSO_UNTOUCHED, 1)), TAG);
    }

    private void publish(SegmentationReady seg) throws Exception {
        producer.send(new ProducerRecord<>(TOPICS.name(Topic.SEGMENTATIONS), seg.volumeId(),
                JSON.writeValueAsString(seg))).get();
    }

    private static List<MetricsReady> ofVolume(String volumeId) {
        return metrics.poll().stream().filter(m -> m.volumeId().equals(volumeId)).toList();
    }

    private static String id(char c) {
        return String.valueOf(c).repeat(64);
    }
}
