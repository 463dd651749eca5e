package dev.triplane.infra.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.Topic;
import dev.triplane.infra.TopicSpec;
import dev.triplane.infra.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import tools.jackson.databind.json.JsonMapper;

/** Publishing on a fake template: the JSON sent, and failures reported as one {@link PublishException}. */
class EventPublisherTest {

    private record Example(int version, String volumeId) {
    }

    private static final Topics TOPICS = Topics.load();

    @SuppressWarnings("unchecked")
    private final KafkaTemplate<String, String> kafka = mock(KafkaTemplate.class);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final EventPublisher publisher = new EventPublisher(kafka, TOPICS, JsonMapper.builder().build(),
            new CloudEventHeaders("test-service", TOPICS), new JobMeters(meters));

    @Test
    @SuppressWarnings("unchecked")
    void sendsTheRecordAsJsonOnTheLayoutTopicWithItsCloudEventsHeaders() {
        when(kafka.send(any(ProducerRecord.class))).thenReturn(CompletableFuture.completedFuture(null));

        publisher.await("obj", List.of(publisher.publish(Topic.STATUS, "v1", new Example(1, "v1"))));

        ArgumentCaptor<ProducerRecord<String, String>> sent = ArgumentCaptor.forClass(ProducerRecord.class);
        verify(kafka).send(sent.capture());
        ProducerRecord<String, String> record = sent.getValue();
        assertThat(record.topic()).isEqualTo(TOPICS.name(Topic.STATUS));
        assertThat(record.key()).isEqualTo("v1");
        assertThat(record.value()).isEqualTo("{\"version\":1,\"volumeId\":\"v1\"}");
        assertThat(header(record, "ce_source")).isEqualTo("/triplane/test-service");
        assertThat(header(record, "ce_type")).isEqualTo("dev.triplane.example.v1");
        assertThat(header(record, "ce_subject")).isEqualTo("v1");
        assertThat(header(record, "content-type")).isEqualTo("application/json");
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachErrorEventIsCountedByStageAndReason() {
        when(kafka.send(any(ProducerRecord.class))).thenReturn(CompletableFuture.completedFuture(null));
        ErrorEvent error = new ErrorEvent(ErrorEvent.CURRENT_VERSION, "inbox/a.nii.gz", Stage.INGEST,
                Reason.CORRUPT_GZIP, false, "not gzip", null, null);

        publisher.publish(Topic.ERRORS, "v1", error);
        publisher.publish(Topic.ERRORS, "v1", error);
        publisher.publish(Topic.STATUS, "v1", new Example(1, "v1"));

        assertThat(meters.get(JobMeters.ERRORS).tag("stage", "INGEST").tag("reason", "CORRUPT_GZIP").counter()
                .count()).isEqualTo(2);
        assertThat(meters.find(JobMeters.ERRORS).counters()).hasSize(1);
    }

    private static String header(ProducerRecord<String, String> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void connectingAtStartupFetchesTheMetadataOfEveryLayoutTopic() {
        publisher.connect();

        for (TopicSpec topic : TOPICS.all()) {
            verify(kafka, timeout(10_000)).partitionsFor(topic.name());
        }
    }

    @Test
    void aFailedSendAmongSeveralFailsTheWholeStepNamingTheObject() {
        CompletableFuture<SendResult<String, String>> failed = CompletableFuture.failedFuture(
                new TimeoutException("broker down"));
        CompletableFuture<SendResult<String, String>> ok = CompletableFuture.completedFuture(null);

        assertThatThrownBy(() -> publisher.await("inbox/a.nii.gz", List.of(ok, failed)))
                .isInstanceOfSatisfying(PublishException.class, e -> {
                    assertThat(e.object()).isEqualTo("inbox/a.nii.gz");
                    assertThat(e.getMessage()).contains("inbox/a.nii.gz", "broker down");
                    assertThat(e.getCause()).isInstanceOf(TimeoutException.class);
                });
    }

    @Test
    void sendsNotAcknowledgedInTimeFailTheStep() {
        assertThatThrownBy(() -> publisher.await("results/x", Duration.ofMillis(10),
                List.of(new CompletableFuture<Void>())))
                .isInstanceOfSatisfying(PublishException.class, e -> assertThat(e.object()).isEqualTo("results/x"));
    }
}
