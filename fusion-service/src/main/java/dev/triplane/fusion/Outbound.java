package dev.triplane.fusion;

import dev.triplane.infra.Topic;

/**
 * An event the topology writes: its topic and its JSON value (the record key is the volume id).
 *
 * @param topic the layout topic
 * @param json  the event as JSON
 */
record Outbound(Topic topic, String json) {
}
