package dev.triplane.infra.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.ObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.test.util.ReflectionTestUtils;

/** The beans and the {@code triplane.*} names other services and the CLI rely on; no broker or store is reached. */
class TriplaneServiceAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(KafkaAutoConfiguration.class, JacksonAutoConfiguration.class,
                    TriplaneServiceAutoConfiguration.class))
            // no broker here: KafkaAdmin would otherwise spend its timeout trying to create the topics
            .withPropertyValues("spring.kafka.admin.auto-create=false")
            .withBean(SimpleMeterRegistry.class);

    @Test
    void defaultsAreTheLocalStacksButThereAreNoDefaultCredentials() {
        runner.withPropertyValues("triplane.s3.access-key=ak", "triplane.s3.secret-key=sk").run(context -> {
            TriplaneProperties properties = context.getBean(TriplaneProperties.class);
            assertThat(properties.s3().endpoint().url()).isEqualTo("http://127.0.0.1:9000");
            assertThat(properties.s3().region()).isEqualTo("us-east-1");
            assertThat(properties.s3().caCertificates()).isNull();
            assertThat(properties.limits().readLimits())
                    .isEqualTo(new ReadLimits(2L << 30, 2560L << 20));
            assertThat(properties.topicReplicas()).isEqualTo((short) 1);
        });
        runner.run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("triplane.s3.access-key and triplane.s3.secret-key must be set"));
    }

    @Test
    void everySharedKeyBindsUnderTriplane() {
        runner.withPropertyValues("triplane.s3.url=http://s3.example:9000", "triplane.s3.region=eu-west-1",
                "triplane.s3.access-key=ak", "triplane.s3.secret-key=sk", "triplane.limits.max-voxel-bytes=1MB",
                "triplane.limits.max-inflated-bytes=3MB", "triplane.topic-replicas=3",
                "triplane.ingest.unrelated=ignored").run(context -> {
                    TriplaneProperties properties = context.getBean(TriplaneProperties.class);
                    assertThat(properties.s3().endpoint().url()).isEqualTo("http://s3.example:9000");
                    assertThat(properties.s3().region()).isEqualTo("eu-west-1");
                    assertThat(properties.s3().accessKey()).isEqualTo("ak");
                    assertThat(properties.s3().secretKey()).isEqualTo("sk");
                    assertThat(properties.s3().toString()).doesNotContain("=sk");
                    assertThat(properties.limits().readLimits()).isEqualTo(new ReadLimits(1L << 20, 3L << 20));
                    assertThat(properties.topicReplicas()).isEqualTo((short) 3);
                    assertThat(newTopics(context.getBean(KafkaAdmin.NewTopics.class)))
                            .allSatisfy(t -> assertThat(t.replicationFactor()).isEqualTo((short) 3));
                });
    }

    @Test
    void theLabelTableIsTotalSegmentatorsUnlessTheSharedSettingNamesAFile(@TempDir Path dir) throws IOException {
        runner.withPropertyValues("triplane.s3.access-key=ak", "triplane.s3.secret-key=sk").run(context ->
                assertThat(context.getBean(LabelTable.class).names())
                        .isEqualTo(LabelTable.totalSegmentatorV2().names()));
        Path table = Files.writeString(dir.resolve("labels.json"), "{\"1\": \"tumour\", \"2\": \"cyst\"}");
        runner.withPropertyValues("triplane.s3.access-key=ak", "triplane.s3.secret-key=sk",
                "triplane.label-table=" + table).run(context -> {
                    assertThat(context.getBean(TriplaneProperties.class).labelTable()).isEqualTo(table);
                    assertThat(context.getBean(LabelTable.class).names())
                            .isEqualTo(Map.of(1, "tumour", 2, "cyst"));
                });
    }

    @Test
    void theObjectStoreTrustsTheConfiguredCaCertificates() {
        runner.withPropertyValues("triplane.s3.url=https://s3.example", "triplane.s3.access-key=ak",
                "triplane.s3.secret-key=sk", "triplane.s3.ca-certificates=/nonexistent/ca.pem").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("/nonexistent/ca.pem"));
    }

    @Test
    void providesTheSharedBeansOnTheLayoutsBucketAndTopics() {
        runner.withPropertyValues("triplane.s3.access-key=ak", "triplane.s3.secret-key=sk").run(context -> {
            assertThat(context).hasSingleBean(NiftiReader.class).hasSingleBean(EventPublisher.class)
                    .hasSingleBean(DeadLetterErrorHandlers.class)
                    .hasSingleBean(JobMeters.class).hasBean("topics");
            assertThat(context.getBean(ObjectStore.class).bucket())
                    .isEqualTo(context.getBean(ObjectKeys.class).bucket());
            assertThat(newTopics(context.getBean(KafkaAdmin.NewTopics.class))).extracting(t -> t.name())
                    .containsExactlyInAnyOrderElementsOf(
                            context.getBean(Topics.class).all().stream().map(s -> s.name()).toList());
        });
    }

    /** The topics a {@code NewTopics} holds (its getter is package-private). */
    private static List<NewTopic> newTopics(KafkaAdmin.NewTopics topics) {
        return ReflectionTestUtils.invokeMethod(topics, "getNewTopics");
    }
}
