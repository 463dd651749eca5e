package dev.triplane.core.events;

import dev.triplane.core.geometry.Axis;
import java.util.List;

/** Argument checks shared by the event constructors; failures name the event and the field. */
final class EventChecks {

    private EventChecks() {
    }

    static void version(String event, int version) {
        if (version < 1) {
            throw new IllegalArgumentException(event + ": version must be >= 1, got " + version);
        }
    }

    static String text(String event, String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(event + ": " + field + " is missing");
        }
        return value;
    }

    static <T> T present(String event, String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException(event + ": " + field + " is missing");
        }
        return value;
    }

    /** An immutable copy; a missing list is empty. */
    static <T> List<T> list(String event, String field, List<T> values) {
        if (values == null) {
            return List.of();
        }
        for (T v : values) {
            if (v == null) {
                throw new IllegalArgumentException(event + ": " + field + " holds a null entry");
            }
        }
        return List.copyOf(values);
    }

    /** {@code stage}, or the only stage over {@code requestAxes} when null; its axes hold {@code axis}. */
    static CascadeStage inRequest(String event, CascadeStage stage, Axis axis, List<Axis> requestAxes) {
        CascadeStage checked = stage == null ? CascadeStage.single(requestAxes) : stage;
        if (!checked.axes().contains(axis) || !requestAxes.containsAll(checked.axes())
                || !requestAxes.containsAll(checked.nextAxes())) {
            throw new IllegalArgumentException(event + ": " + checked.describe() + " (then " + checked.nextAxes()
                    + ") must hold " + axis + " and lie within the request's axes " + requestAxes);
        }
        return checked;
    }
}
