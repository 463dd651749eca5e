package dev.triplane.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

class CloudEventHeadersTest {

    private static final Topics TOPICS = Topics.load();
    private static final String VOLUME = "5f2b".repeat(16);

    private record Example(int version, String volumeId) {
    }

    private record Unversioned(String volumeId) {
    }

    @Test
    void theHeadersAreTheBinaryModeAttributesOfTheKafkaBinding() {
        Instant time = Instant.parse("2026-12-07T18:00:00.125Z");
        Headers headers = new CloudEventHeaders("axis-worker", TOPICS)
                .of(Topic.AXIS_RESULTS, VOLUME, result(Axis.AXIAL, 900, "host-1/1"), time);

        Map<String, String> byName = new LinkedHashMap<>();
        for (Header header : headers) {
            byName.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        assertThat(byName).containsOnlyKeys("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject",
                "ce_time", "content-type");
        assertThat(byName).containsEntry("ce_specversion", "1.0")
                .containsEntry("ce_source", "/triplane/axis-worker")
                .containsEntry("ce_type", "dev.triplane.axis-result.v" + AxisResult.CURRENT_VERSION)
                .containsEntry("ce_subject", VOLUME)
                .containsEntry("ce_time", "2026-12-07T18:00:00.125Z")
                .containsEntry("content-type", "application/json");
        assertThat(UUID.fromString(byName.get("ce_id")).version()).isEqualTo(3);
    }

    @Test
    void theTypeIsTheRecordNameInKebabCaseWithItsVersion() {
        assertThat(CloudEventHeaders.type(accepted("r1"))).isEqualTo("dev.triplane.volume-accepted.v1");
        assertThat(CloudEventHeaders.type(new Example(2, VOLUME))).isEqualTo("dev.triplane.example.v2");
        assertThatThrownBy(() -> CloudEventHeaders.type(new Unversioned(VOLUME)))
                .hasMessageContaining("no version field");
    }

    @Test
    void theSameLogicalEventPublishedAgainHasTheSameId() {
        String topic = TOPICS.name(Topic.AXIS_RESULTS);
        // the job redone after a crash: other timings, another worker, the same result of the same axis
        String first = CloudEventHeaders.id(topic, VOLUME, result(Axis.AXIAL, 900, "host-1/1"));
        String again = CloudEventHeaders.id(topic, VOLUME, result(Axis.AXIAL, 1300, "host-2/7"));

        assertThat(again).isEqualTo(first);
        assertThat(CloudEventHeaders.id(topic, VOLUME, result(Axis.CORONAL, 900, "host-1/1"))).isNotEqualTo(first);
        assertThat(CloudEventHeaders.id(topic + ".dlt", VOLUME, result(Axis.AXIAL, 900, "host-1/1")))
                .isNotEqualTo(first);
        assertThat(CloudEventHeaders.id(TOPICS.name(Topic.VOLUMES), VOLUME, accepted("r1")))
                .isEqualTo(CloudEventHeaders.id(TOPICS.name(Topic.VOLUMES), VOLUME, accepted("r1")))
                .isNotEqualTo(CloudEventHeaders.id(TOPICS.name(Topic.VOLUMES), VOLUME, accepted("r2")));
    }

    @Test
    void statusUpdatesAreOneEventPerDistinctValue() {
        String topic = TOPICS.name(Topic.STATUS);
        VolumeStatus twelve = progress(12);

        assertThat(CloudEventHeaders.id(topic, VOLUME, progress(12))).isEqualTo(CloudEventHeaders.id(topic, VOLUME,
                twelve));
        assertThat(CloudEventHeaders.id(topic, VOLUME, progress(13))).isNotEqualTo(CloudEventHeaders.id(topic,
                VOLUME, twelve));
    }

    private static AxisResult result(Axis axis, long computeMs, String worker) {
        return new AxisResult(AxisResult.CURRENT_VERSION, VOLUME, "r1", axis, List.of(Axis.values()),
                "logits/" + VOLUME + "/r1/" + axis.id() + ".bin", "volumes/" + VOLUME + "/image.nii.gz", null,
                List.of(1, 5), 30, new AxisResult.Timings(40, computeMs, 12, computeMs + 52), worker, "inbox");
    }

    private static VolumeAccepted accepted(String requestId) {
        return new VolumeAccepted(VolumeAccepted.CURRENT_VERSION, VOLUME, requestId, "inbox/ct.nii.gz",
                "volumes/" + VOLUME + "/image.nii.gz", null, List.of(122, 101, 30), List.of(3.0, 3.0, 3.0), "LPS",
                "inbox", List.of(1, 5));
    }

    private static VolumeStatus progress(int frames) {
        return new VolumeStatus(VolumeStatus.CURRENT_VERSION, VOLUME, "r1", VolumeStatus.State.SEGMENTING,
                Stage.AXIS_WORKER, List.of(new VolumeStatus.AxisProgress(Axis.AXIAL, frames, 30)), null);
    }
}
