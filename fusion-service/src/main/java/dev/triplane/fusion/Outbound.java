package dev.triplane.fusion;

import dev.triplane.infra.Topic;

/**
 * An event fusion writes, by the topology or by the fusion step: its topic and the event (the record key is the
 * volume id).
 *
 * @param topic the layout topic
 * @param event the event record
 */
record Outbound(Topic topic, java.lang.Record event) {
}
