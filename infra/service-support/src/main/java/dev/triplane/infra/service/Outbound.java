package dev.triplane.infra.service;

import dev.triplane.infra.Topic;

/**
 * An event to publish: its layout topic and the event record (the record key is chosen by whoever publishes a
 * request's events together, the volume id).
 *
 * @param topic the layout topic
 * @param event the event record
 */
public record Outbound(Topic topic, java.lang.Record event) {
}
