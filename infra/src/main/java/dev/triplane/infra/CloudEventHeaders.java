package dev.triplane.infra;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.VolumeAccepted;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import tools.jackson.databind.json.JsonMapper;

/**
 * CloudEvents 1.0 attributes of an event record, as the binary content mode of the CloudEvents Kafka protocol
 * binding carries them: {@code ce_}-prefixed headers beside the unchanged JSON value, and {@code content-type}.
 *
 * <ul>
 *   <li>{@code ce_id}: a name-based UUID (version 3) of the topic, the key and the event's identity (below), so
 *       the same logical event published again (a step retried after a crash, a transaction redone) has the same
 *       id and consumers may drop the second copy;</li>
 *   <li>{@code ce_source}: {@code /triplane/<service>};</li>
 *   <li>{@code ce_type}: {@code dev.triplane.<record name in kebab case>.v<version>}, e.g.
 *       {@code dev.triplane.axis-job.v2}: the record name is the schema's file name;</li>
 *   <li>{@code ce_subject}: the record key (the volumeId; {@code volumeId/axis} on {@code triplane.axis-jobs});</li>
 *   <li>{@code ce_time}: when it was published, RFC 3339 in UTC.</li>
 * </ul>
 *
 * An event's identity is what makes it one logical event: a request's acceptance, job, fusion job, segmentation
 * and metrics are one each per request ({@code requestId}), a job and a result one per request and axis (a result
 * also by its outcome), an error one per request (or object), stage and reason; anything else, the status updates,
 * by its whole value (the same state, stage, progress and detail is the same update).
 */
public final class CloudEventHeaders {

    public static final String SPEC_VERSION = "1.0";
    public static final String CONTENT_TYPE = "application/json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String source;
    private final Topics topics;

    /** @param service the service's name, e.g. {@code ingest-service} */
    public CloudEventHeaders(String service, Topics topics) {
        this.source = "/triplane/" + service;
        this.topics = topics;
    }

    /** The headers of {@code event} published on {@code topic} with {@code key} at {@code time}. */
    public Headers of(Topic topic, String key, Record event, Instant time) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, "ce_specversion", SPEC_VERSION);
        add(headers, "ce_id", id(topics.name(topic), key, event));
        add(headers, "ce_source", source);
        add(headers, "ce_type", type(event));
        add(headers, "ce_subject", key);
        add(headers, "ce_time", time.toString());
        add(headers, "content-type", CONTENT_TYPE);
        return headers;
    }

    /** {@code ce_id}: name-based UUID of the topic, the key and the event's identity. */
    static String id(String topic, String key, Record event) {
        String name = String.join("\n", topic, key, event.getClass().getSimpleName(), identity(event));
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** {@code ce_type}: {@code dev.triplane.<kebab-case record name>.v<version>}. */
    static String type(Record event) {
        return typePrefix(event.getClass().getSimpleName()) + version(event);
    }

    /** {@code ce_type} of the record named {@code recordName} up to its version number. */
    static String typePrefix(String recordName) {
        return "dev.triplane." + recordName.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT)
                + ".v";
    }

    private static String identity(Record event) {
        if (event instanceof VolumeAccepted e) {
            return e.requestId();
        } else if (event instanceof AxisJob e) {
            return e.requestId() + "/" + e.axis();
        } else if (event instanceof AxisResult e) {
            return e.requestId() + "/" + e.axis() + "/" + e.outcome();
        } else if (event instanceof FusionJob e) {
            return e.requestId();
        } else if (event instanceof SegmentationReady e) {
            return e.requestId();
        } else if (event instanceof MetricsReady e) {
            return e.requestId();
        } else if (event instanceof ErrorEvent e) {
            return e.requestId() + "/" + e.object() + "/" + e.stage() + "/" + e.reason();
        }
        return JSON.writeValueAsString(event);
    }

    private static int version(Record event) {
        for (RecordComponent component : event.getClass().getRecordComponents()) {
            if (component.getName().equals("version")) {
                try {
                    Method accessor = component.getAccessor();
                    accessor.trySetAccessible(); // a record nested in a class of another package
                    return ((Number) accessor.invoke(event)).intValue();
                } catch (IllegalAccessException | InvocationTargetException e) {
                    throw new IllegalArgumentException("cannot read the version of " + event, e);
                }
            }
        }
        throw new IllegalArgumentException(event.getClass().getName() + " has no version field");
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
