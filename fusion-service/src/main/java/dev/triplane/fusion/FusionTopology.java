package dev.triplane.fusion;

import dev.triplane.core.events.AxisResult;
import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.Outbound;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;
import tools.jackson.databind.json.JsonMapper;

/**
 * The collecting topology: {@code triplane.axis-results} (JSON {@link AxisResult}; a value that is not one goes to
 * {@code triplane.axis-results.dlt} by the deserialization handler) -> {@link RequestCollector} with the
 * persistent store {@value #STORE} -> {@code triplane.fusion-jobs}, and {@code triplane.status} and
 * {@code triplane.errors} for requests failed here (keyed by volumeId, each event to its own topic, with its
 * CloudEvents headers).
 */
final class FusionTopology {

    /** The store of waiting requests and finished markers (changelogged, so it survives restarts). */
    static final String STORE = "fusion-requests";

    private FusionTopology() {
    }

    /** Adds the store and the topology to {@code builder}; returns the stream of outbound events. */
    static KStream<String, Outbound> build(StreamsBuilder builder, Topics topics, ObjectKeys keys,
            FusionProperties properties, JobMeters jobs, JsonMapper json, CloudEventHeaders cloudEvents) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                json(json, PendingRequest.class)));
        Serde<Outbound> outbound = Serdes.serdeFrom((topic, value) -> json.writeValueAsBytes(value.event()),
                (topic, bytes) -> {
                    throw new UnsupportedOperationException("outbound events are only written");
                });
        KStream<String, Outbound> events = builder.stream(topics.name(Topic.AXIS_RESULTS),
                Consumed.with(Serdes.String(), json(json, AxisResult.class))).process(
                        () -> new RequestCollector(keys, properties, jobs, cloudEvents), Named.as("collect"), STORE);
        events.to((key, value, context) -> topics.name(value.topic()), Produced.with(Serdes.String(), outbound));
        return events;
    }

    /** A serde of {@code type} as JSON; the store's entries are read as records, not scanned as strings. */
    static <T> Serde<T> json(JsonMapper json, Class<T> type) {
        return Serdes.serdeFrom((topic, value) -> value == null ? null : json.writeValueAsBytes(value),
                (topic, bytes) -> bytes == null ? null : json.readValue(bytes, type));
    }
}
