package dev.triplane.fusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.storage.ObjectStore;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The {@code fail} timeout policy on the real stack: a request whose other axes never arrive ends with a FAILED
 * status and an {@code AXIS_TIMEOUT} error naming the request, and no segmentation.
 */
@SpringBootTest(properties = {"triplane.fusion.axis-timeout=2s", "triplane.fusion.on-timeout=fail"})
@DirtiesContext
class FusionFailPolicyTest {

    @Autowired
    private ObjectStore store;
    @Autowired
    private ObjectKeys keys;

    @DynamicPropertySource
    static void stack(DynamicPropertyRegistry registry) {
        FusionServiceTest.ownStack(registry);
    }

    @Test
    void aRequestMissingAxesFailsWithAnAxisTimeoutError() {
        FusionFixture request = new FusionFixture("r-timeout");
        request.objects.forEach((key, bytes) -> store.put(key, bytes, null));
        String bootstrap = FusionServiceTest.STACK.bootstrapServers();
        try (KafkaProducer<String, String> producer = FusionServiceTest.producer();
                TopicReader<ErrorEvent> errors = new TopicReader<>(bootstrap,
                        FusionServiceTest.TOPICS.name(Topic.ERRORS), ErrorEvent.class);
                TopicReader<VolumeStatus> statuses = new TopicReader<>(bootstrap,
                        FusionServiceTest.TOPICS.name(Topic.STATUS), VolumeStatus.class);
                TopicReader<SegmentationReady> segmentations = new TopicReader<>(bootstrap,
                        FusionServiceTest.TOPICS.name(Topic.SEGMENTATIONS), SegmentationReady.class)) {
            producer.send(new ProducerRecord<>(FusionServiceTest.TOPICS.name(Topic.AXIS_RESULTS), request.volumeId,
                    FusionServiceTest.JSON.writeValueAsString(request.result(Axis.AXIAL))));
            producer.flush();

            String requestObject = keys.request(request.volumeId, "r-timeout");
            await().atMost(FusionServiceTest.WAIT).untilAsserted(() -> assertThat(errors.poll())
                    .filteredOn(e -> requestObject.equals(e.object())).singleElement().satisfies(e -> {
                        assertThat(e.stage()).isEqualTo(Stage.FUSION);
                        assertThat(e.reason()).isEqualTo(Reason.AXIS_TIMEOUT);
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.detail()).contains("coronal, sagittal");
                    }));
            // the status is written in the same transaction as the error
            assertThat(statuses.readToEnd()).filteredOn(s -> s.volumeId().equals(request.volumeId))
                    .singleElement().satisfies(s -> {
                        assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED);
                        assertThat(s.requestId()).isEqualTo("r-timeout");
                        assertThat(s.detail()).contains(Reason.AXIS_TIMEOUT.name());
                    });
            assertThat(segmentations.readToEnd()).noneMatch(s -> s.volumeId().equals(request.volumeId));
            assertThat(store.exists(keys.segmentation(request.volumeId, "r-timeout"))).isFalse();
        }
    }
}
