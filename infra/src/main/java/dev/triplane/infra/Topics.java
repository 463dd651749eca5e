package dev.triplane.infra;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import tools.jackson.databind.JsonNode;

/**
 * The topics of {@code triplane/layout.json}: one {@link TopicSpec} per {@link Topic} plus a dead-letter topic
 * ({@code name + ".dlt"}, same partition count) for each topic marked {@code deadLetter}. Immutable.
 */
public final class Topics {

    private final Map<Topic, TopicSpec> specs;
    private final Map<Topic, TopicSpec> deadLetters;

    private Topics(Map<Topic, TopicSpec> specs, Map<Topic, TopicSpec> deadLetters) {
        this.specs = Collections.unmodifiableMap(specs);
        this.deadLetters = Collections.unmodifiableMap(deadLetters);
    }

    /** The topics of the layout file on the classpath. */
    public static Topics load() {
        return from(LayoutFile.read());
    }

    static Topics from(JsonNode layout) {
        JsonNode topics = LayoutFile.required(layout, "topics", "layout");
        JsonNode deadLetter = LayoutFile.required(layout, "deadLetter", "layout");
        String suffix = LayoutFile.required(deadLetter, "suffix", "deadLetter").asString();
        long deadLetterRetention = LayoutFile.required(deadLetter, "retentionMs", "deadLetter").asLong();
        Map<Topic, TopicSpec> specs = new EnumMap<>(Topic.class);
        Map<Topic, TopicSpec> deadLetters = new EnumMap<>(Topic.class);
        for (Topic topic : Topic.values()) {
            JsonNode entry = LayoutFile.required(topics, topic.id(), "topics");
            String where = "topic " + topic.id();
            TopicSpec spec = new TopicSpec(
                    LayoutFile.required(entry, "name", where).asString(),
                    LayoutFile.required(entry, "partitions", where).asInt(),
                    LayoutFile.required(entry, "compacted", where).asBoolean(),
                    LayoutFile.required(entry, "retentionMs", where).asLong());
            specs.put(topic, spec);
            if (LayoutFile.required(entry, "deadLetter", where).asBoolean()) {
                deadLetters.put(topic, new TopicSpec(spec.name() + suffix, spec.partitions(), false,
                        deadLetterRetention));
            }
        }
        if (topics.size() != specs.size()) {
            throw new IllegalArgumentException("layout lists " + topics.size() + " topics, the code knows "
                    + specs.size() + ": " + topics.propertyNames());
        }
        return new Topics(specs, deadLetters);
    }

    /** The spec of a topic. */
    public TopicSpec spec(Topic topic) {
        return specs.get(topic);
    }

    /** The full name of a topic, e.g. {@code triplane.axis-jobs}. */
    public String name(Topic topic) {
        return specs.get(topic).name();
    }

    /** The dead-letter topic of a topic, if it has one. */
    public Optional<TopicSpec> deadLetter(Topic topic) {
        return Optional.ofNullable(deadLetters.get(topic));
    }

    /** Every topic to create: the main topics in {@link Topic} order, then the dead-letter topics. */
    public List<TopicSpec> all() {
        List<TopicSpec> all = new ArrayList<>(specs.values());
        all.addAll(deadLetters.values());
        return List.copyOf(all);
    }

    /** Admin requests for {@link #all()}. */
    public List<NewTopic> newTopics(short replicationFactor) {
        List<NewTopic> requests = new ArrayList<>();
        for (TopicSpec spec : all()) {
            requests.add(spec.newTopic(replicationFactor));
        }
        return requests;
    }
}
