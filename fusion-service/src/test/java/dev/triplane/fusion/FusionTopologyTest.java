package dev.triplane.fusion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.CascadeStage;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.service.JobMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The collecting topology in a {@link TopologyTestDriver}: it emits one {@link FusionJob} per request once its
 * axes are there, and on the driver's wall clock a partial job or an {@code AXIS_TIMEOUT} failure at the timeout;
 * an axis that failed at the worker ends its request with no job, even after the timeout; a result it cannot take
 * is dead-lettered and its request ended.
 */
class FusionTopologyTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    private static final Topics TOPICS = Topics.load();
    private static final ObjectKeys KEYS = ObjectKeys.load();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path state;

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> results;
    private TestOutputTopic<String, String> jobs;
    private TestOutputTopic<String, String> errors;
    private TestOutputTopic<String, String> statuses;
    private TestOutputTopic<String, String> deadLetters;

    @AfterEach
    void close() {
        driver.close();
    }

    @Test
    void threeAxesGiveOneCompleteJobAndADuplicateNoSecond() {
        start(FusionProperties.OnTimeout.FUSE_PARTIAL);
        FusionFixture request = new FusionFixture("r-full");
        publish(request.result(Axis.SAGITTAL));
        publish(request.result(Axis.AXIAL));
        assertThat(jobs.isEmpty()).isTrue();
        publish(request.result(Axis.CORONAL));

        List<FusionJob> emitted = read(jobs, FusionJob.class);
        assertThat(emitted).singleElement().satisfies(job -> {
            assertThat(job.volumeId()).isEqualTo(request.volumeId);
            assertThat(job.requestId()).isEqualTo("r-full");
            assertThat(job.results()).extracting(AxisResult::axis).containsExactly(Axis.values());
            assertThat(job.partial()).isFalse();
            assertThat(job.missingAxes()).isEmpty();
        });
        assertThat(jobs.readKeyValuesToList()).isEmpty();

        publish(request.result(Axis.CORONAL));
        driver.advanceWallClockTime(TIMEOUT.plusMinutes(1));
        assertThat(jobs.isEmpty()).isTrue();
        assertThat(errors.isEmpty()).isTrue();
        assertThat(statuses.isEmpty()).isTrue();
    }

    @Test
    void aCascadeEmitsItsFirstStageThenCollectsTheSecondBesideItAndEmitsOneJobPerAxis() {
        start(FusionProperties.OnTimeout.FUSE_PARTIAL);
        FusionFixture request = new FusionFixture("r-cascade");
        // stage 1: coronal and sagittal prompted (the sagittal on some structures only, so it runs again)
        CascadeStage first = new CascadeStage(1, List.of(Axis.CORONAL, Axis.SAGITTAL),
                List.of(Axis.AXIAL, Axis.SAGITTAL));
        CascadeStage second = first.next();
        publish(request.result(Axis.CORONAL, first));
        assertThat(jobs.isEmpty()).isTrue();
        publish(request.result(Axis.SAGITTAL, first));

        assertThat(read(jobs, FusionJob.class)).singleElement().satisfies(job -> {
            assertThat(job.stage()).isEqualTo(first);
            assertThat(job.results()).extracting(AxisResult::axis).containsExactly(Axis.CORONAL, Axis.SAGITTAL);
            assertThat(job.partial()).isFalse();
        });
        // a first-stage job delivered again while the second runs is not collected again
        publish(request.result(Axis.CORONAL, first));
        publish(request.result(Axis.SAGITTAL, second));
        assertThat(jobs.isEmpty()).isTrue();
        publish(request.result(Axis.AXIAL, second));

        assertThat(read(jobs, FusionJob.class)).singleElement().satisfies(job -> {
            assertThat(job.stage()).isEqualTo(second);
            assertThat(job.stage().last()).isTrue();
            assertThat(job.results()).extracting(r -> r.axis() + " " + r.stage().number())
                    .containsExactly("AXIAL 2", "CORONAL 1", "SAGITTAL 2");
            assertThat(job.partial()).isFalse();
        });
        publish(request.result(Axis.AXIAL, second));
        driver.advanceWallClockTime(TIMEOUT.plusMinutes(1));
        assertThat(jobs.isEmpty()).isTrue();
        assertThat(errors.isEmpty()).isTrue();
    }

    @Test
    void aSecondStageThatNeverAnswersIsFusedPartiallyFromWhatArrivedAfterTheTimeout() {
        start(FusionProperties.OnTimeout.FUSE_PARTIAL);
        FusionFixture request = new FusionFixture("r-cascade-late");
        CascadeStage first = new CascadeStage(1, List.of(Axis.AXIAL), List.of(Axis.CORONAL, Axis.SAGITTAL));
        publish(request.result(Axis.AXIAL, first));
        assertThat(read(jobs, FusionJob.class)).singleElement().extracting(FusionJob::stage).isEqualTo(first);
        publish(request.result(Axis.CORONAL, first.next()));

        driver.advanceWallClockTime(TIMEOUT.plus(RequestCollector.punctuateInterval(TIMEOUT)).plusSeconds(1));

        assertThat(read(jobs, FusionJob.class)).singleElement().satisfies(job -> {
            assertThat(job.stage()).isEqualTo(first.next());
            assertThat(job.partial()).isTrue();
            assertThat(job.missingAxes()).containsExactly(Axis.SAGITTAL);
            assertThat(job.results()).extracting(AxisResult::axis).containsExactly(Axis.AXIAL, Axis.CORONAL);
        });
    }

    @Test
    void anEmittedJobCarriesItsCloudEventsHeadersAndAnUnchangedValue() {
        start(FusionProperties.OnTimeout.FUSE_PARTIAL);
        FusionFixture request = new FusionFixture("r-headers");
        for (Axis axis : Axis.values()) {
            publish(request.result(axis));
        }

        TestRecord<String, String> job = jobs.readRecord();
        assertThat(JSON.readValue(job.value(), FusionJob.class).requestId()).isEqualTo("r-headers");
        assertThat(header(job, "ce_specversion")).isEqualTo("1.0");
        assertThat(header(job, "ce_type")).isEqualTo("dev.triplane.fusion-job.v2");
        assertThat(header(job, "ce_source")).isEqualTo("/triplane/fusion-service");
        assertThat(header(job, "ce_subject")).isEqualTo(request.volumeId);
        assertThat(Instant.parse(header(job, "ce_time"))).isEqualTo(Instant.ofEpochMilli(job.timestamp()));
        assertThat(header(job, "content-type")).isEqualTo("application/json");
        assertThat(job.headers().lastHeader("ce_id")).isNotNull();
    }

    @Test
    void aJobContinuesTheTraceOfItsResultsAlsoWhenEmittedByTheTimeout() {
        start(FusionProperties.OnTimeout.FUSE_PARTIAL);
        FusionFixture complete = new FusionFixture("r-traced");
        String trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        for (Axis axis : Axis.values()) {
            publishTraced(complete.result(axis), trace.replace("00f067aa0ba902b7", "00f067aa0ba902b" + axis.ordinal()));
        }
        assertThat(header(jobs.readRecord(), RequestCollector.TRACEPARENT)).startsWith(trace.substring(0, 36));

        FusionFixture timedOut = new FusionFixture("r-traced-partial");
        publishTraced(timedOut.result(Axis.AXIAL), trace);
        driver.advanceWallClockTime(TIMEOUT.plus(RequestCollector.punctuateInterval(TIMEOUT)).plusSeconds(1));
        TestRecord<String, String> partial = jobs.readRecord();
        assertThat(JSON.readValue(partial.value(), FusionJob.class).partial()).isTrue();
        assertThat(header(partial, RequestCollector.TRACEPARENT)).isEqualTo(trace);
    }

    private void publishTraced(AxisResult result, String traceparent) {
        results.pipeInput(new TestRecord<>(result.volumeId(), JSON.writeValueAsString(result),
                new RecordHeaders().add(RequestCollector.TRACEPARENT,
                        traceparent.getBytes(StandardCharsets.UTF_8))));
    }

    private static String header(TestRecord<String, String> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void theStoreHoldsTypedEntriesAndAFinishedMarkerWithoutResults() {
        start(FusionProperties.OnTimeout.FUSE_PARTIAL);
        FusionFixture request = new FusionFixture("r-typed");
        KeyValueStore<String, PendingRequest> store = driver.getKeyValueStore(FusionTopology.STORE);
        String key = request.volumeId + "/r-typed";

        publish(request.result(Axis.AXIAL));
        assertThat(store.get(key).arrived()).containsExactly(Axis.AXIAL);
        assertThat(store.get(key).finished()).isFalse();
        publish(request.result(Axis.CORONAL));
        publish(request.result(Axis.SAGITTAL));
        assertThat(store.get(key).finished()).isTrue();
        assertThat(store.get(key).results()).isEmpty();

        // markers go twice the timeout after the request finished
        driver.advanceWallClockTime(TIMEOUT.multipliedBy(2).plusMinutes(1));
        assertThat(store.get(key)).isNull();
    }

    @Test
    void twoOfThreeAxesGiveAPartialJobOnlyOnceTheTimeoutPassedOnTheWallClock() {
        start(FusionProperties.OnTimeout.FUSE_PARTIAL);
        FusionFixture request = new FusionFixture("r-partial");
        publish(request.result(Axis.AXIAL));
        publish(request.result(Axis.SAGITTAL));

        driver.advanceWallClockTime(TIMEOUT.minusMinutes(1));
        assertThat(jobs.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofMinutes(2).plus(RequestCollector.punctuateInterval(TIMEOUT)));

        assertThat(read(jobs, FusionJob.class)).singleElement().satisfies(job -> {
            assertThat(job.partial()).isTrue();
            assertThat(job.results()).extracting(AxisResult::axis).containsExactly(Axis.AXIAL, Axis.SAGITTAL);
            assertThat(job.missingAxes()).containsExactly(Axis.CORONAL);
        });
        publish(request.result(Axis.CORONAL));
        assertThat(jobs.isEmpty()).isTrue();
        assertThat(errors.isEmpty()).isTrue();
    }

    @Test
    void underTheFailPolicyATimedOutRequestFailsWithAnAxisTimeoutErrorAndNoJob() {
        start(FusionProperties.OnTimeout.FAIL);
        FusionFixture request = new FusionFixture("r-timeout");
        publish(request.result(Axis.AXIAL));

        driver.advanceWallClockTime(TIMEOUT.plus(RequestCollector.punctuateInterval(TIMEOUT)).plusSeconds(1));

        assertThat(jobs.isEmpty()).isTrue();
        assertThat(read(errors, ErrorEvent.class)).singleElement().satisfies(e -> {
            assertThat(e.object()).isEqualTo(KEYS.request(request.volumeId, "r-timeout"));
            assertThat(e.stage()).isEqualTo(Stage.FUSION);
            assertThat(e.reason()).isEqualTo(Reason.AXIS_TIMEOUT);
            assertThat(e.retryable()).isFalse();
            assertThat(e.detail()).contains("coronal, sagittal");
        });
        assertThat(read(statuses, VolumeStatus.class)).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED);
            assertThat(s.requestId()).isEqualTo("r-timeout");
            assertThat(s.detail()).contains(Reason.AXIS_TIMEOUT.name());
        });
    }

    @Test
    void aResultWhoseIdsMakeNoObjectKeyFailsAtOnce() {
        start(FusionProperties.OnTimeout.FUSE_PARTIAL);
        AxisResult valid = new FusionFixture("r-ok").result(Axis.AXIAL);
        AxisResult bad = new AxisResult(valid.version(), "not-a-sha", "r-bad", valid.axis(), valid.requestAxes(),
                valid.logitsKey(), valid.imageKey(), null, valid.structures(), valid.frames(), valid.timings(),
                valid.worker(), valid.datasetTag());
        publish(bad);

        assertThat(read(errors, ErrorEvent.class)).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo(Reason.BAD_RECORD);
            assertThat(e.object()).isEqualTo(TOPICS.name(Topic.AXIS_RESULTS) + "/0@0");
            assertThat(e.requestId()).isEqualTo("r-bad");
        });
        assertThat(read(statuses, VolumeStatus.class)).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED));
        assertThat(deadLetters.readValuesToList()).singleElement()
                .satisfies(v -> assertThat(JSON.readValue(v, AxisResult.class)).isEqualTo(bad));
        assertThat(jobs.isEmpty()).isTrue();
    }

    @Test
    void aValueThatIsNotAnAxisResultIsDeadLetteredWithAnErrorNamingItsPosition() {
        start(FusionProperties.OnTimeout.FUSE_PARTIAL);
        results.pipeInput("k", "{not json");

        TestRecord<String, String> error = errors.readRecord();
        ErrorEvent e = JSON.readValue(error.value(), ErrorEvent.class);
        assertThat(e.reason()).isEqualTo(Reason.BAD_RECORD);
        assertThat(e.object()).isEqualTo(TOPICS.name(Topic.AXIS_RESULTS) + "/0@0");
        assertThat(e.volumeId()).isNull();
        // written by the error handler, not the topology: its CloudEvents headers all the same
        assertThat(header(error, "ce_type")).isEqualTo("dev.triplane.error-event.v1");
        assertThat(header(error, "ce_subject")).isEqualTo(error.key());
        assertThat(errors.isEmpty()).isTrue();
        assertThat(deadLetters.readValuesToList()).containsExactly("{not json");
        assertThat(statuses.isEmpty()).isTrue();
    }

    @Test
    void anAxisThatFailedAtTheWorkerEndsItsRequestWithoutAJobEvenAfterTheTimeout() {
        start(FusionProperties.OnTimeout.FUSE_PARTIAL);
        FusionFixture request = new FusionFixture("r-axis-failed");
        publish(request.result(Axis.AXIAL));
        AxisResult coronal = request.result(Axis.CORONAL);
        publish(new AxisResult(AxisResult.CURRENT_VERSION, coronal.volumeId(), coronal.requestId(), coronal.axis(),
                coronal.requestAxes(), coronal.logitsKey(), coronal.imageKey(), coronal.labelsKey(),
                coronal.structures(), 0, new AxisResult.Timings(0, 0, 0, 0), coronal.worker(), coronal.datasetTag(),
                AxisResult.Outcome.FAILED));
        publish(request.result(Axis.SAGITTAL));
        driver.advanceWallClockTime(TIMEOUT.plus(RequestCollector.punctuateInterval(TIMEOUT)).plusSeconds(1));

        // no FusionJob, so no SegmentationReady; the worker published the error event and the FAILED status
        assertThat(jobs.isEmpty()).isTrue();
        assertThat(errors.isEmpty()).isTrue();
        assertThat(statuses.isEmpty()).isTrue();
        assertThat(driver.<String, PendingRequest>getKeyValueStore(FusionTopology.STORE)
                .get(request.volumeId + "/r-axis-failed").finished()).isTrue();
    }

    private void start(FusionProperties.OnTimeout onTimeout) {
        FusionProperties properties = new FusionProperties("mean-logit", TIMEOUT, onTimeout, state, state, 3,
                Duration.ofMinutes(15));
        StreamsBuilder builder = new StreamsBuilder();
        CloudEventHeaders cloudEvents = new CloudEventHeaders("fusion-service", TOPICS);
        FusionTopology.build(builder, TOPICS, KEYS, properties, new JobMeters(new SimpleMeterRegistry()), JSON,
                cloudEvents);
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "fusion-topology-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        config.putAll(FusionConfiguration.errorHandling(TOPICS, JSON, cloudEvents));
        driver = new TopologyTestDriver(builder.build(), config, Instant.parse("2026-12-01T00:00:00Z"));
        results = driver.createInputTopic(TOPICS.name(Topic.AXIS_RESULTS), new StringSerializer(),
                new StringSerializer());
        jobs = output(Topic.FUSION_JOBS);
        errors = output(Topic.ERRORS);
        statuses = output(Topic.STATUS);
        deadLetters = driver.createOutputTopic(TOPICS.deadLetter(Topic.AXIS_RESULTS).orElseThrow().name(),
                new StringDeserializer(), new StringDeserializer());
    }

    private TestOutputTopic<String, String> output(Topic topic) {
        return driver.createOutputTopic(TOPICS.name(topic), new StringDeserializer(), new StringDeserializer());
    }

    private void publish(AxisResult result) {
        results.pipeInput(result.volumeId(), JSON.writeValueAsString(result));
    }

    private static <T> List<T> read(TestOutputTopic<String, String> topic, Class<T> type) {
        return topic.readValuesToList().stream().map(v -> JSON.readValue(v, type)).toList();
    }
}
