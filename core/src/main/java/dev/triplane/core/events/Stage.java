package dev.triplane.core.events;

/** The pipeline step that wrote a status or error event. */
public enum Stage {
    INGEST,
    AXIS_WORKER,
    FUSION,
    METRICS
}
