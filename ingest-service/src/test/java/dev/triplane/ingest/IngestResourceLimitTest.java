package dev.triplane.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import dev.triplane.infra.local.TopicReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * Memory budgets at the door, against a real broker and S3 server, with a worker heap of 128 MB (102 MiB usable at
 * the default fraction): the sample (122 x 101 x 30) with its 41 structures needs 354 MiB, mostly SAM2 memory
 * banks, on the worker and is rejected with {@code RESOURCE_LIMIT} before any axis job; with one structure it needs
 * 14 MiB and is accepted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "triplane.ingest.inbox.enabled=false", "triplane.ingest.memory.worker-heap=128MB"})
class IngestResourceLimitTest {

    private static final Path SAMPLE = Path.of("..", "samples", "example_ct_sm.nii.gz");
    private static final Path SAMPLE_LABELS = Path.of("..", "samples", "example_seg.nii.gz");
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** NIfTI-1 {@code descrip}, 80 bytes of free text. */
    private static final int DESCRIP_OFFSET = 148;
    private static final String TOKEN = "resource-limit-test-token-0123456789";
    private static final LocalStack STACK = SharedLocalStack.get();
    private static final Topics TOPICS = Topics.load();

    @Autowired
    private Environment environment;

    @DynamicPropertySource
    static void stack(DynamicPropertyRegistry registry) {
        STACK.serviceProperties().forEach((name, value) -> registry.add(name, () -> value));
        registry.add("triplane.ingest.inbox.work-dir", () -> "target");
        registry.add("triplane.ingest.auth.mode", () -> "token");
        registry.add("triplane.ingest.auth.token", () -> TOKEN);
    }

    @Test
    void aRequestOverAServiceBudgetIsRejectedBeforeAnyJobAndASmallerOneIsAccepted(@TempDir Path dir)
            throws IOException {
        // the sample with its own description: a volume of its own, whatever other tests ingested of the sample
        byte[] nifti;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(SAMPLE))) {
            nifti = in.readAllBytes();
        }
        byte[] descrip = "resource limit test".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(descrip, 0, nifti, DESCRIP_OFFSET, descrip.length);
        Path image = Files.write(dir.resolve("limits_ct.nii"), nifti);
        String volumeId = ObjectKeys.volumeId(Files.readAllBytes(image));

        JsonNode refused = upload(image, null, 422);
        assertThat(refused.get("reason").asString()).isEqualTo("RESOURCE_LIMIT");
        assertThat(refused.get("detail").asString()).contains(volumeId, "122x101x30", "41 structures",
                "axis-worker: estimated ").doesNotContain("fusion-service", "metrics-service");
        try (TopicReader<ErrorEvent> errors = new TopicReader<>(STACK.bootstrapServers(),
                TOPICS.name(Topic.ERRORS), ErrorEvent.class)) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(errors.readToEnd())
                    .filteredOn(e -> volumeId.equals(e.volumeId())).singleElement().satisfies(e -> {
                        assertThat(e.reason()).isEqualTo(Reason.RESOURCE_LIMIT);
                        assertThat(e.stage()).isEqualTo(Stage.INGEST);
                        assertThat(e.retryable()).isFalse();
                    }));
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(TopicReader.readAll(STACK.bootstrapServers(),
                TOPICS.name(Topic.STATUS), VolumeStatus.class)).filteredOn(s -> volumeId.equals(s.volumeId()))
                .singleElement().satisfies(s -> assertThat(s.state()).isEqualTo(VolumeStatus.State.REJECTED)));
        assertThat(jobsOf(volumeId)).isEmpty();

        JsonNode accepted = upload(image, "liver", 202);
        assertThat(accepted.get("outcome").asString()).isEqualTo("ACCEPTED");
        await().atMost(WAIT).untilAsserted(() -> assertThat(jobsOf(volumeId)).hasSize(3));
    }

    private static List<AxisJob> jobsOf(String volumeId) {
        return TopicReader.readAll(STACK.bootstrapServers(), TOPICS.name(Topic.AXIS_JOBS), AxisJob.class).stream()
                .filter(j -> j.volumeId().equals(volumeId)).toList();
    }

    private JsonNode upload(Path image, String structures, int expectedStatus) throws IOException {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", named(image, image.getFileName().toString()));
        parts.add("labels", named(SAMPLE_LABELS, "limits_ct_seg.nii.gz"));
        if (structures != null) {
            parts.add("structures", structures);
        }
        return RestClient.create("http://127.0.0.1:" + environment.getProperty("local.server.port")).post()
                .uri("/volumes").header("Authorization", "Bearer " + TOKEN)
                .contentType(MediaType.MULTIPART_FORM_DATA).body(parts)
                .exchange((request, response) -> {
                    assertThat(response.getStatusCode().value()).isEqualTo(expectedStatus);
                    return response.bodyTo(JsonNode.class);
                });
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
