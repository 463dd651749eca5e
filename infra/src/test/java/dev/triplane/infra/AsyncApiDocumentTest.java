package dev.triplane.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class AsyncApiDocumentTest {

    /** The committed document, relative to this module (surefire runs in {@code infra/}). */
    static final Path COMMITTED = Path.of("..", "docs", "asyncapi.json");

    static final String REGENERATE = "mvn -B -q -pl infra -am test -Dtest=AsyncApiDocumentTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dasyncapi.update=true";

    private static ObjectNode doc;

    @BeforeAll
    static void generate() throws IOException {
        doc = AsyncApiDocument.generate();
        // The one way to write the committed file: the generator's output, never edited by hand.
        if (Boolean.getBoolean("asyncapi.update")) {
            Files.writeString(COMMITTED, AsyncApiDocument.json(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theCommittedFileIsWhatTheGeneratorWrites() throws IOException {
        String committed = Files.exists(COMMITTED) ? Files.readString(COMMITTED, StandardCharsets.UTF_8) : "";

        assertThat(committed)
                .as("docs/asyncapi.json is out of date with layout.json or the schemas; regenerate it with%n  %s",
                        REGENERATE)
                .isEqualTo(AsyncApiDocument.json());
    }

    @Test
    void theDocumentIsValidAsyncApi3() throws IOException {
        assertThat(violations(doc)).isEmpty();
    }

    @Test
    void theValidatorRejectsAnInvalidDocument() throws IOException {
        ObjectNode broken = doc.deepCopy();
        ((ObjectNode) broken.get("operations").get("axis-worker.receive.axis-jobs")).put("action", "consume");
        ((ObjectNode) broken.get("channels").get("axis-jobs").get("bindings").get("kafka")).put("partitions", 0);

        assertThat(violations(broken)).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void everyTopicOfTheLayoutIsAChannelWithItsPartitionsAndCleanupPolicy() {
        Topics topics = Topics.load();
        Set<String> addresses = new TreeSet<>();
        doc.get("channels").forEach(channel -> addresses.add(channel.get("address").asString()));

        assertThat(addresses).containsExactlyInAnyOrderElementsOf(
                topics.all().stream().map(TopicSpec::name).toList());
        for (TopicSpec spec : topics.all()) {
            JsonNode kafka = channel(spec.name()).get("bindings").get("kafka");
            assertThat(kafka.get("partitions").asInt()).as(spec.name()).isEqualTo(spec.partitions());
            assertThat(kafka.get("topicConfiguration").get("cleanup.policy").get(0).asString()).as(spec.name())
                    .isEqualTo(spec.compacted() ? "compact" : "delete");
        }
        assertThat(channel("triplane.axis-jobs").get("bindings").get("kafka").get("topicConfiguration")
                .get("retention.ms").asLong()).isEqualTo(604800000L);
    }

    @Test
    void everyEventSchemaIsAMessagePayloadAndDeadLettersCarryTheirSourceMessage() throws IOException {
        JsonNode messages = doc.get("components").get("messages");
        Set<String> schemaFiles;
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/triplane/schemas"))) {
            schemaFiles = files.map(f -> f.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> embedded = new TreeSet<>();
        messages.forEach(m -> {
            assertThat(m.get("payload").get("schemaFormat").asString()).isEqualTo(AsyncApiDocument.PAYLOAD_FORMAT);
            String id = m.get("payload").get("schema").get("$id").asString();
            embedded.add(id.substring(id.lastIndexOf('/') + 1));
        });

        assertThat(embedded).isEqualTo(schemaFiles);
        assertThat(messages.get("AxisJob").get("bindings").get("kafka").get("key").get("description").asString())
                .startsWith("volumeId/axis");
        assertThat(channel("triplane.axis-jobs.dlt").get("messages").get("AxisJob").get("$ref").asString())
                .isEqualTo("#/components/messages/AxisJob");
        // the pipeline's events carry CloudEvents headers, MinIO's notifications do not
        assertThat(messages.get("AxisJob").at("/headers/properties/ce_type/pattern").asString())
                .isEqualTo("^dev\\.triplane\\.axis-job\\.v[0-9]+$");
        assertThat(messages.get("AxisJob").at("/headers/required").size()).isEqualTo(7);
        assertThat(messages.get("S3EventNotification").has("headers")).isFalse();
    }

    @Test
    void operationsNameTheSendersAndTheConsumerGroups() {
        JsonNode operations = doc.get("operations");

        assertThat(operations.get("ingest-service.send.axis-jobs").get("action").asString()).isEqualTo("send");
        assertThat(groupId(operations.get("axis-worker.receive.axis-jobs"))).isEqualTo("triplane-axis-workers");
        assertThat(groupId(operations.get("fusion-service.receive.axis-results"))).isEqualTo("triplane-fusion");
        assertThat(groupId(operations.get("fusion-service.receive.fusion-jobs"))).isEqualTo("triplane-fusion-step");
        assertThat(groupId(operations.get("metrics-service.receive.segmentations"))).isEqualTo("triplane-metrics");
        assertThat(groupId(operations.get("ingest-service.receive.inbox-events"))).isEqualTo("triplane-ingest");
        assertThat(operations.get("ingest-service.receive.status").has("bindings")).isFalse();
        assertThat(operations.get("metrics-service.send.segmentations.dlt").get("channel").get("$ref").asString())
                .isEqualTo("#/channels/segmentations.dlt");
        List<String> statusWriters = Stream.of("ingest-service", "axis-worker", "fusion-service", "metrics-service")
                .filter(s -> operations.has(s + ".send.status") && operations.has(s + ".send.errors")).toList();
        assertThat(statusWriters).hasSize(4);
    }

    @Test
    void theConsumerGroupsOfAServiceAreTheOnesItsReceiveOperationsName() {
        assertThat(AsyncApiDocument.consumerGroups("fusion-service")).containsExactly(
                Map.entry("triplane.axis-results", "triplane-fusion"),
                Map.entry("triplane.fusion-jobs", "triplane-fusion-step"));
        // ingest reads the status topic without a group
        assertThat(AsyncApiDocument.consumerGroups("ingest-service"))
                .containsExactly(Map.entry("triplane.inbox-events", "triplane-ingest"));
    }

    /** The consumer group a receive operation names, as the services' listeners and Streams app declare it. */
    static String groupId(JsonNode operation) {
        assertThat(operation.get("action").asString()).isEqualTo("receive");
        return operation.get("bindings").get("kafka").get("groupId").get("enum").get(0).asString();
    }

    private static JsonNode channel(String address) {
        for (JsonNode channel : doc.get("channels")) {
            if (channel.get("address").asString().equals(address)) {
                return channel;
            }
        }
        throw new AssertionError("no channel for " + address);
    }

    private static List<String> violations(JsonNode document) throws IOException {
        try (InputStream in = AsyncApiDocumentTest.class.getResourceAsStream(
                "/asyncapi-specs/asyncapi-3.0.0.schema.json")) {
            Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(in);
            return schema.validate(document).stream().map(Error::toString).toList();
        }
    }
}
