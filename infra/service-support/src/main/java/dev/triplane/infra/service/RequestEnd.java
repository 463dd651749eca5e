package dev.triplane.infra.service;

import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.infra.Topic;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The events that end a request, the one shape every service and the error handlers publish: an {@link ErrorEvent}
 * on {@code triplane.errors} and the {@link Reason#terminal terminal} {@link VolumeStatus} (REJECTED at ingest,
 * FAILED after) on {@code triplane.status}, both keyed by {@code key} and published together
 * ({@link EventPublisher#end}, or in one transaction with the input's offset). A record that names no request
 * ends with the error event alone.
 *
 * @param key    the record key of the events: the volume id, or the record's position for a record naming none
 * @param events the error event, then the status (when there is a request), then any others
 */
public record RequestEnd(String key, List<Outbound> events) {

    public RequestEnd {
        events = List.copyOf(events);
    }

    /**
     * The end of a request at {@code stage}.
     *
     * @param object    what failed (an object key, an upload's name)
     * @param detail    what a person reads; the status detail is {@code reason: detail}
     * @param requestId the request, or null for a scan rejected before a request existed
     * @param axes      the axes' progress the stage knows (fusion: the arrived axes), or empty
     */
    public static RequestEnd of(Stage stage, Reason reason, String object, String detail, String volumeId,
            String requestId, List<VolumeStatus.AxisProgress> axes) {
        return new RequestEnd(volumeId, List.of(
                new Outbound(Topic.ERRORS, new ErrorEvent(ErrorEvent.CURRENT_VERSION, object, stage, reason,
                        reason.retryable(), detail, volumeId, requestId)),
                new Outbound(Topic.STATUS, new VolumeStatus(VolumeStatus.CURRENT_VERSION, volumeId, requestId,
                        reason.terminal(stage), stage, axes, reason + ": " + detail))));
    }

    /**
     * The error event of a consumed record that names no request (not JSON, not an event of its topic:
     * {@link Reason#BAD_RECORD}), the object its position {@code topic/partition@offset}.
     */
    public static RequestEnd ofRecord(Stage stage, Reason reason, ConsumerRecord<?, ?> record, String detail) {
        return ofRecord(stage, reason, where(record.topic(), record.partition(), record.offset()), detail);
    }

    /** {@link #ofRecord(Stage, Reason, ConsumerRecord, String)} of the record at {@code where}. */
    public static RequestEnd ofRecord(Stage stage, Reason reason, String where, String detail) {
        return new RequestEnd(where, List.of(new Outbound(Topic.ERRORS, new ErrorEvent(ErrorEvent.CURRENT_VERSION,
                where, stage, reason, reason.retryable(), detail, null, null))));
    }

    /** A record's position, {@code topic/partition@offset}: the object of an error about the record itself. */
    public static String where(String topic, int partition, long offset) {
        return topic + "/" + partition + "@" + offset;
    }

    /** These events and {@code more}, published with them. */
    public RequestEnd with(Outbound more) {
        List<Outbound> all = new ArrayList<>(events);
        all.add(more);
        return new RequestEnd(key, all);
    }

    /**
     * The error event alone: for a bad drop of a volume that has a request already, whose status it must not
     * overwrite.
     */
    public RequestEnd errorOnly() {
        return new RequestEnd(key, events.stream().filter(o -> o.topic() == Topic.ERRORS).toList());
    }

    /** The error event. */
    public ErrorEvent error() {
        return (ErrorEvent) events.get(0).event();
    }
}
