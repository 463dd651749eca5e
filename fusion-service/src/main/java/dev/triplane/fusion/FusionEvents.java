package dev.triplane.fusion;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.infra.service.Outbound;
import dev.triplane.infra.service.RequestEnd;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The status and error events of a request, as both the collecting topology and the fusion step write them. */
final class FusionEvents {

    private static final Logger LOG = LoggerFactory.getLogger(FusionEvents.class);

    private FusionEvents() {
    }

    /** The request's end at the fusion stage ({@link RequestEnd}: an error event and a FAILED status). */
    static List<Outbound> failed(List<AxisResult> results, String object, Reason reason, String detail) {
        AxisResult first = results.get(0);
        LOG.warn("{}/{} failed: {}: {}", first.volumeId(), first.requestId(), reason, detail);
        return RequestEnd.of(Stage.FUSION, reason, object, detail, first.volumeId(), first.requestId(),
                axes(results)).events();
    }

    /** The request's status at the fusion stage, every arrived axis complete. */
    static VolumeStatus status(List<AxisResult> results, VolumeStatus.State state, String detail) {
        AxisResult first = results.get(0);
        return new VolumeStatus(VolumeStatus.CURRENT_VERSION, first.volumeId(), first.requestId(), state,
                Stage.FUSION, axes(results), detail);
    }

    /** Every arrived axis complete, in axis order. */
    private static List<VolumeStatus.AxisProgress> axes(List<AxisResult> results) {
        return results.stream().sorted(Comparator.comparing(AxisResult::axis))
                .map(r -> new VolumeStatus.AxisProgress(r.axis(), r.frames(), r.frames())).toList();
    }

    static String ids(Collection<Axis> axes) {
        return axes.stream().map(Axis::id).collect(Collectors.joining(", "));
    }
}
