package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.geometry.Axis;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The latest state of a volume's request ({@code triplane.status}, compacted, keyed by volumeId: the topic keeps
 * the last status of each volume). Each stage writes what it knows: ingest all three axes at 0 done, a worker
 * its own axis, fusion and metrics every axis complete; readers that need every axis's progress while workers
 * run merge the latest entry per axis.
 *
 * @param version   {@link #CURRENT_VERSION} when written
 * @param volumeId  SHA-256 of the image file
 * @param requestId the request, or null for a volume rejected before a request existed
 * @param state     where the volume stands
 * @param stage     the stage that wrote this status
 * @param axes      progress per axis this stage knows, in {@link Axis} order
 * @param detail    a human-readable note (the reason of a rejection or failure, the partial axes), or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VolumeStatus(int version, String volumeId, String requestId, State state, Stage stage,
        List<AxisProgress> axes, String detail) {

    public static final int CURRENT_VERSION = 1;

    /** Where a volume stands, in pipeline order; {@link #REJECTED} and {@link #FAILED} are final. */
    public enum State {
        /** Validated and stored; axis jobs emitted. */
        ACCEPTED,
        /** At least one axis worker is propagating. */
        SEGMENTING,
        /** The fused segmentation is stored. */
        SEGMENTED,
        /** Metrics are stored, or the volume has no reference labels and nothing follows the segmentation. */
        COMPLETED,
        /** The input was refused (invalid volume, labels or parameters); not retried. */
        REJECTED,
        /** A later stage gave up on the request. */
        FAILED;

        /** {@link #REJECTED} or {@link #FAILED}: the request ends here, whatever a later status of it says. */
        public boolean isFinal() {
            return this == REJECTED || this == FAILED;
        }
    }

    /**
     * Frames propagated along one axis.
     *
     * @param axis        the axis
     * @param framesDone  frames whose logits are computed, 0..framesTotal
     * @param framesTotal frames to compute along the axis (0 while unknown)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record AxisProgress(Axis axis, int framesDone, int framesTotal) {

        public AxisProgress {
            EventChecks.present("AxisProgress", "axis", axis);
            if (framesDone < 0 || framesTotal < 0 || (framesTotal > 0 && framesDone > framesTotal)) {
                throw new IllegalArgumentException("AxisProgress " + axis + ": " + framesDone + " of " + framesTotal
                        + " frames");
            }
        }
    }

    public VolumeStatus {
        String e = "VolumeStatus";
        EventChecks.version(e, version);
        EventChecks.text(e, "volumeId", volumeId);
        EventChecks.present(e, "state", state);
        EventChecks.present(e, "stage", stage);
        axes = EventChecks.list(e, "axes", axes);
    }

    /**
     * The view of a volume after {@code next}: {@code next} alone when it belongs to another request (or there is
     * no {@code previous}), otherwise {@code next}'s state, stage and detail with the axes of both, {@code next}'s
     * progress winning, in {@link Axis} order. A request that is {@link State#isFinal() final} stays as it is: a
     * later status of the same request (a worker's progress or another axis's result racing the failure) does not
     * revive it. Readers of the status topic (the services' status view, the CLI) fold a volume's records with it.
     */
    public static VolumeStatus merge(VolumeStatus previous, VolumeStatus next) {
        if (previous == null || !Objects.equals(previous.requestId(), next.requestId())) {
            return next;
        }
        if (previous.state().isFinal()) {
            return previous;
        }
        Map<Axis, AxisProgress> axes = new EnumMap<>(Axis.class);
        for (AxisProgress p : previous.axes()) {
            axes.put(p.axis(), p);
        }
        for (AxisProgress p : next.axes()) {
            axes.put(p.axis(), p);
        }
        return new VolumeStatus(next.version(), next.volumeId(), next.requestId(), next.state(), next.stage(),
                new ArrayList<>(axes.values()), next.detail());
    }
}
