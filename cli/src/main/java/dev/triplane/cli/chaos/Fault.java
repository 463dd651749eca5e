package dev.triplane.cli.chaos;

import dev.triplane.cli.stack.Service;
import dev.triplane.infra.Topic;

/**
 * The faults a chaos run injects. Those with a fault point kill the service that reached the point (named in the
 * services' code, {@code dev.triplane.infra.service.FaultPoints}) during its pause; the others act on the
 * broker, the S3 server or any service. Each names the topic whose next record counts as the affected stage's
 * progress (recovery time).
 */
public enum Fault {
    /** SIGKILL of an axis-worker with its logits computed, not yet stored. */
    WORKER_MID_JOB("axis-worker.mid-job", Service.AXIS_WORKER, Topic.AXIS_RESULTS),
    /** SIGKILL of fusion-service between storing the segmentation and the uncertainty map. */
    FUSION_MID_FUSION("fusion.mid-fusion", Service.FUSION, Topic.SEGMENTATIONS),
    /** SIGKILL of fusion-service with SegmentationReady sent in its open transaction, offsets not yet added. */
    FUSION_IN_TRANSACTION("fusion.in-transaction", Service.FUSION, Topic.SEGMENTATIONS),
    /** SIGKILL of metrics-service with metrics.json stored and MetricsReady not sent. */
    METRICS_AFTER_STORE("metrics.after-store", Service.METRICS, Topic.METRICS),
    /** SIGKILL of ingest-service with the canonical copies stored and no event published. */
    INGEST_AFTER_COPIES("ingest.after-copies", Service.INGEST, Topic.AXIS_JOBS),
    /** SIGKILL of the broker; the supervisor restarts it on the same port and data. */
    BROKER_KILL(null, null, Topic.STATUS),
    /** The S3 server stopped for the outage, then started on its port. */
    S3_OUTAGE(null, null, Topic.STATUS),
    /** SIGSTOP of a service (chosen by the seed), SIGCONT after the pause. */
    PAUSE(null, null, Topic.STATUS);

    private final String point;
    private final Service service;
    private final Topic progress;

    Fault(String point, Service service, Topic progress) {
        this.point = point;
        this.service = service;
        this.progress = progress;
    }

    /** The fault point, or null for a fault that needs none. */
    public String point() {
        return point;
    }

    /** The service killed at the point, or null. */
    public Service service() {
        return service;
    }

    /** The topic whose next record after the fault is the affected stage's progress. */
    public Topic progress() {
        return progress;
    }
}
