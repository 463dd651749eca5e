package dev.triplane.infra.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.events.VolumeStatus.AxisProgress;
import dev.triplane.core.events.VolumeStatus.State;
import dev.triplane.core.geometry.Axis;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The view on a real KRaft broker (the local stack): statuses published before it starts are read from the
 * beginning and merged per axis; later ones are followed; another request replaces the entry; a failed request
 * stays failed whatever later status of it arrives; a value that is not a status is skipped.
 */
class VolumeStatusViewTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final LocalStack STACK = SharedLocalStack.get();
    private static final String TOPIC = Topics.load().name(Topic.STATUS);
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void producer() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    @Test
    void readsTheTopicFromTheBeginningMergesAxesAndFollowsIt() throws Exception {
        String volume = volumeId();
        String rejected = volumeId();
        publish(status(volume, "r1", State.ACCEPTED, Stage.INGEST, progress(Axis.AXIAL, 0, 30),
                progress(Axis.CORONAL, 0, 101), progress(Axis.SAGITTAL, 0, 122)));
        publish(status(volume, "r1", State.SEGMENTING, Stage.AXIS_WORKER, progress(Axis.CORONAL, 40, 101)));
        send(volume, "{\"not\": \"a status\"}");
        publish(status(volume, "r1", State.SEGMENTING, Stage.AXIS_WORKER, progress(Axis.AXIAL, 30, 30)));
        publish(status(rejected, null, State.REJECTED, Stage.INGEST));
        String failed = volumeId();
        publish(status(failed, "r1", State.FAILED, Stage.AXIS_WORKER));
        publish(status(failed, "r1", State.SEGMENTING, Stage.AXIS_WORKER, progress(Axis.AXIAL, 30, 30)));

        VolumeStatusView view = new VolumeStatusView(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                STACK.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "ignored"), TOPIC, JSON);
        view.start();
        try {
            await().atMost(WAIT).until(view::caughtUp);
            VolumeStatus merged = view.get(volume).orElseThrow();
            assertThat(merged.state()).isEqualTo(State.SEGMENTING);
            assertThat(merged.requestId()).isEqualTo("r1");
            assertThat(merged.axes()).containsExactly(progress(Axis.AXIAL, 30, 30), progress(Axis.CORONAL, 40, 101),
                    progress(Axis.SAGITTAL, 0, 122));
            assertThat(view.get(rejected).orElseThrow().state()).isEqualTo(State.REJECTED);
            assertThat(view.get(failed).orElseThrow().state()).isEqualTo(State.FAILED);
            assertThat(view.get(volumeId())).isEmpty();

            publish(status(volume, "r2", State.ACCEPTED, Stage.INGEST, progress(Axis.SAGITTAL, 0, 122)));
            await().atMost(WAIT).untilAsserted(() -> {
                VolumeStatus next = view.get(volume).orElseThrow();
                assertThat(next.requestId()).isEqualTo("r2");
                assertThat(next.axes()).containsExactly(progress(Axis.SAGITTAL, 0, 122));
            });
        } finally {
            view.stop();
        }
        assertThat(view.isRunning()).isFalse();
    }

    @Test
    void laterStagesOverrideStateAndKeepAxesTheyDoNotReport() {
        VolumeStatus accepted = status("v", "r", State.ACCEPTED, Stage.INGEST, progress(Axis.AXIAL, 0, 3),
                progress(Axis.SAGITTAL, 0, 5));
        VolumeStatus segmented = status("v", "r", State.SEGMENTED, Stage.FUSION, progress(Axis.SAGITTAL, 5, 5));

        VolumeStatus merged = VolumeStatus.merge(accepted, segmented);

        assertThat(merged.state()).isEqualTo(State.SEGMENTED);
        assertThat(merged.stage()).isEqualTo(Stage.FUSION);
        assertThat(merged.axes()).containsExactly(progress(Axis.AXIAL, 0, 3), progress(Axis.SAGITTAL, 5, 5));
        assertThat(VolumeStatus.merge(null, accepted)).isSameAs(accepted);
    }

    private static String volumeId() {
        return (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    }

    private static AxisProgress progress(Axis axis, int done, int total) {
        return new AxisProgress(axis, done, total);
    }

    private static VolumeStatus status(String volumeId, String requestId, State state, Stage stage,
            AxisProgress... axes) {
        return new VolumeStatus(VolumeStatus.CURRENT_VERSION, volumeId, requestId, state, stage, List.of(axes),
                null);
    }

    private static void publish(VolumeStatus status) throws Exception {
        send(status.volumeId(), JSON.writeValueAsString(status));
    }

    private static void send(String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(TOPIC, key, value)).get();
    }
}
