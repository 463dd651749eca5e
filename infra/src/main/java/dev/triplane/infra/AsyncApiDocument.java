package dev.triplane.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The AsyncAPI 3.0 description of every topic, generated from {@code triplane/layout.json} (names, partitions,
 * cleanup policy, retention, keys, who sends and who receives with which consumer group) and the JSON Schemas
 * under {@code triplane/schemas/} (embedded as the message payloads), so it cannot drift from what the pipeline
 * provisions and writes. Committed as {@code docs/asyncapi.json} (checked by a test) and served by ingest-service.
 */
public final class AsyncApiDocument {

    /** Where the event schemas are on the classpath. */
    public static final String SCHEMAS = "/triplane/schemas/";

    /** The event schemas are JSON Schema 2020-12, not AsyncAPI's default draft-07 dialect: say so per payload. */
    static final String PAYLOAD_FORMAT = "application/schema+json;version=draft-2020-12";

    private static final String KAFKA_BINDING = "0.5.0";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private AsyncApiDocument() {
    }

    /** The document for the layout and schemas on the classpath. */
    public static ObjectNode generate() {
        return from(LayoutFile.read());
    }

    /** {@link #generate()} as the committed file holds it: pretty-printed JSON ending in a newline. */
    public static String json() {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectNameValueSpacing(Separators.Spacing.AFTER));
        return JSON.writer().with(printer).writeValueAsString(generate()) + "\n";
    }

    /**
     * The consumer group the layout names for {@code service} on each topic it reads in a group (topic name ->
     * group): what its listeners must join, which the services' integration tests check against their containers.
     */
    public static Map<String, String> consumerGroups(String service) {
        JsonNode layout = LayoutFile.read();
        Topics topics = Topics.from(layout);
        Map<String, String> groups = new TreeMap<>();
        for (Topic topic : Topic.values()) {
            for (JsonNode consumer : layout.get("topics").get(topic.id()).path("consumers")) {
                if (consumer.path("service").asString().equals(service) && consumer.has("group")) {
                    groups.put(topics.name(topic), consumer.get("group").asString());
                }
            }
        }
        return groups;
    }

    static ObjectNode from(JsonNode layout) {
        Topics topics = Topics.from(layout);
        JsonNode entries = LayoutFile.required(layout, "topics", "layout");

        ObjectNode doc = JSON.createObjectNode();
        doc.put("asyncapi", "3.0.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "TriPlane pipeline events");
        info.put("version", LayoutFile.required(layout, "version", "layout").asString());
        info.put("description", "Every Kafka topic of the TriPlane pipeline, generated from infra's layout.json and"
                + " the event JSON Schemas. Values are JSON records with a `version` field; consumers ignore fields"
                + " they do not know. Records of a volume share its key's partition. Dead-letter topics (`.dlt`)"
                + " hold the records a consumer could not process, with the same key and value.");
        doc.put("defaultContentType", "application/json");
        ObjectNode channels = doc.putObject("channels");
        ObjectNode operations = doc.putObject("operations");
        ObjectNode messages = doc.putObject("components").putObject("messages");

        for (Topic topic : Topic.values()) {
            JsonNode entry = entries.get(topic.id());
            String where = "topic " + topic.id();
            JsonNode schema = schema(LayoutFile.required(entry, "schema", where).asString());
            String message = schema.get("title").asString();
            if (messages.has(message)) {
                throw new IllegalArgumentException("layout: two topics carry " + message);
            }
            messages.set(message, message(schema, LayoutFile.required(entry, "key", where).asString(),
                    entry.path("cloudEvents").asBoolean(true)));

            channels.set(topic.id(), channel(topics.spec(topic), entry.get("description").asString(), message));
            for (JsonNode producer : LayoutFile.required(entry, "producers", where)) {
                operations.set(producer.asString() + ".send." + topic.id(),
                        operation("send", topic.id(), message, producer.asString() + " writes " + message));
            }
            JsonNode consumers = LayoutFile.required(entry, "consumers", where);
            for (JsonNode consumer : consumers) {
                String service = LayoutFile.required(consumer, "service", where + " consumer").asString();
                String reads = consumer.has("share")
                        ? service + " takes " + message + " records one at a time from its share group (KIP-932, a"
                                + " queue: any number of instances read any partition; each record is acknowledged"
                                + " once its result is published, a crashed instance's record returns after its"
                                + " lock; group settings " + consumer.get("share") + ")"
                        : consumer.has("group") ? service + " reads " + message + " in its consumer group"
                        : service + " reads every partition from the beginning, without a consumer group";
                ObjectNode receive = operation("receive", topic.id(), message, reads);
                if (consumer.has("group")) {
                    // the binding's groupId names a share group as well: Kafka's group ids are one namespace
                    ObjectNode kafka = receive.putObject("bindings").putObject("kafka");
                    kafka.putObject("groupId").put("type", "string").putArray("enum")
                            .add(consumer.get("group").asString());
                    kafka.put("bindingVersion", KAFKA_BINDING);
                }
                operations.set(service + ".receive." + topic.id(), receive);
            }

            if (topics.deadLetter(topic).isPresent()) {
                TopicSpec dlt = topics.deadLetter(topic).get();
                String id = topic.id() + dlt.name().substring(topics.name(topic).length());
                channels.set(id, channel(dlt, "dead letters of " + topics.name(topic) + ": the records its"
                        + " consumers could not process (bad input, retries exhausted), same key, value and partition",
                        message));
                for (JsonNode consumer : consumers) {
                    String service = consumer.get("service").asString();
                    operations.set(service + ".send." + id, operation("send", id, message,
                            service + " copies a record of " + topics.name(topic) + " it could not process"));
                }
            }
        }
        return doc;
    }

    private static ObjectNode channel(TopicSpec spec, String description, String message) {
        ObjectNode channel = JSON.createObjectNode();
        channel.put("address", spec.name());
        channel.put("description", description);
        channel.putObject("messages").putObject(message).put("$ref", "#/components/messages/" + message);
        ObjectNode kafka = channel.putObject("bindings").putObject("kafka");
        kafka.put("topic", spec.name());
        kafka.put("partitions", spec.partitions());
        ObjectNode config = kafka.putObject("topicConfiguration");
        // Sorted: configs() is a Map.of, whose order changes from one JVM to the next.
        for (Map.Entry<String, String> setting : new TreeMap<>(spec.configs()).entrySet()) {
            switch (setting.getKey()) {
                case "cleanup.policy" -> config.putArray("cleanup.policy").add(setting.getValue());
                case "retention.ms" -> config.put("retention.ms", Long.parseLong(setting.getValue()));
                default -> throw new IllegalStateException("no AsyncAPI mapping for " + setting.getKey());
            }
        }
        kafka.put("bindingVersion", KAFKA_BINDING);
        return channel;
    }

    private static ObjectNode operation(String action, String channel, String message, String summary) {
        ObjectNode operation = JSON.createObjectNode();
        operation.put("action", action);
        operation.putObject("channel").put("$ref", "#/channels/" + channel);
        operation.put("summary", summary);
        ArrayNode messages = operation.putArray("messages");
        messages.addObject().put("$ref", "#/channels/" + channel + "/messages/" + message);
        return operation;
    }

    private static ObjectNode message(JsonNode schema, String key, boolean cloudEvents) {
        String name = schema.get("title").asString();
        ObjectNode message = JSON.createObjectNode();
        message.put("name", name);
        message.put("title", name);
        message.put("summary", schema.get("description").asString());
        message.put("contentType", CloudEventHeaders.CONTENT_TYPE);
        if (cloudEvents) {
            message.set("headers", cloudEventHeaders(name));
        }
        ObjectNode payload = message.putObject("payload");
        payload.put("schemaFormat", PAYLOAD_FORMAT);
        payload.set("schema", schema);
        ObjectNode kafka = message.putObject("bindings").putObject("kafka");
        kafka.putObject("key").put("type", "string").put("description", key);
        kafka.put("bindingVersion", KAFKA_BINDING);
        return message;
    }

    /** The headers {@link CloudEventHeaders} writes, as a schema. */
    private static ObjectNode cloudEventHeaders(String record) {
        ObjectNode headers = JSON.createObjectNode();
        headers.put("type", "object");
        headers.put("description", "CloudEvents 1.0 attributes in the binary content mode of the CloudEvents Kafka"
                + " protocol binding (header values are UTF-8 strings)");
        ObjectNode properties = headers.putObject("properties");
        properties.putObject("ce_specversion").put("const", CloudEventHeaders.SPEC_VERSION);
        properties.putObject("ce_id").put("type", "string").put("format", "uuid").put("description",
                "name-based UUID of the topic, the key and the event's identity: the same event published again"
                        + " has the same id");
        properties.putObject("ce_source").put("type", "string").put("pattern", "^/triplane/[a-z-]+$")
                .put("description", "/triplane/<service that wrote it>");
        properties.putObject("ce_type").put("type", "string")
                .put("pattern", "^" + CloudEventHeaders.typePrefix(record).replace(".", "\\.") + "[0-9]+$")
                .put("description", "the record name and its version field");
        properties.putObject("ce_subject").put("type", "string").put("description", "the record key");
        properties.putObject("ce_time").put("type", "string").put("format", "date-time");
        properties.putObject("content-type").put("const", CloudEventHeaders.CONTENT_TYPE);
        ArrayNode required = headers.putArray("required");
        properties.propertyNames().forEach(required::add);
        return headers;
    }

    private static JsonNode schema(String file) {
        String resource = SCHEMAS + file;
        try (InputStream in = AsyncApiDocument.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("layout names schema " + file + ", missing from the classpath");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
