package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.geometry.Axis;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The stage of its request that an axis job, an axis result or a fusion job belongs to. A request whose prompt file
 * prompts a structure on some of the requested axes only runs as a cascade of two stages: stage 1 runs the prompted
 * axes and its fusion publishes no segmentation; stage 2 runs the other axes on prompts derived from stage 1's fused
 * result, and its fusion, of every axis, is the request's one segmentation. Every other request is one stage.
 *
 * @param number   1, or 2 for the second stage of a cascade
 * @param axes     the axes this stage runs, in {@link Axis} order
 * @param nextAxes the axes the next stage runs, in {@link Axis} order; empty for the last (or only) stage
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CascadeStage(int number, List<Axis> axes, List<Axis> nextAxes) {

    public CascadeStage {
        String e = "CascadeStage";
        axes = EventChecks.list(e, "axes", axes);
        nextAxes = EventChecks.list(e, "nextAxes", nextAxes);
        if (number < 1 || axes.isEmpty() || !distinct(axes) || !distinct(nextAxes)) {
            throw new IllegalArgumentException(e + ": stage " + number + " needs distinct axes, at least one: "
                    + axes + ", then " + nextAxes);
        }
        axes = axes.stream().sorted().toList();
        nextAxes = nextAxes.stream().sorted().toList();
    }

    /** The only stage of a request that is no cascade. */
    public static CascadeStage single(List<Axis> axes) {
        return new CascadeStage(1, axes, List.of());
    }

    /** Whether this is a stage of a cascade (of two stages), not a request's only stage. */
    public boolean cascades() {
        return number > 1 || !last();
    }

    /** Whether this stage's fusion is the request's segmentation. */
    public boolean last() {
        return nextAxes.isEmpty();
    }

    /** The stage after this one. */
    public CascadeStage next() {
        if (last()) {
            throw new IllegalStateException("stage " + number + " is the last");
        }
        return new CascadeStage(number + 1, nextAxes, List.of());
    }

    /** {@code stage 2: coronal, sagittal}, as status details show it. */
    public String describe() {
        return "stage " + number + ": " + axes.stream().map(Axis::id).collect(Collectors.joining(", "));
    }

    private static boolean distinct(List<Axis> axes) {
        return axes.isEmpty() || EnumSet.copyOf(axes).size() == axes.size();
    }
}
