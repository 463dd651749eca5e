package dev.triplane.infra.service;

import dev.triplane.infra.Topic;

/**
 * An event to publish: its layout topic and the event record (the record key is chosen by whoever publishes a
 * request's events together, the volume id, unless the event names its own).
 *
 * @param topic the layout topic
 * @param event the event record
 * @param key   the record key of this event, or null for the publisher's ({@link TransactionalPublisher#commit});
 *              a cascade's second-stage axis jobs are keyed per axis like ingest's, so they spread over partitions
 */
public record Outbound(Topic topic, java.lang.Record event, String key) {

    /** An event keyed as its publisher keys the request's events. */
    public Outbound(Topic topic, java.lang.Record event) {
        this(topic, event, null);
    }
}
