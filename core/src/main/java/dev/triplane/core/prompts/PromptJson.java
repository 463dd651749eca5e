package dev.triplane.core.prompts;

import dev.triplane.core.labels.LabelTable;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * The field readers the prompt formats share ({@link PromptFile}, its version 2, {@link SlicerMarkups}): each
 * check fails with a {@link PromptFileException} naming the file and the JSON path.
 */
final class PromptJson {

    private final String source;
    private final LabelTable table;

    PromptJson(String source, LabelTable table) {
        this.source = source;
        this.table = table;
    }

    String source() {
        return source;
    }

    /** A structure given as an integer id or a name (or an id written as text) of the label table. */
    int structure(JsonNode node, String at) {
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            if (!table.contains(node.intValue())) {
                throw error(at, "unknown structure id " + node.intValue() + " in a table of "
                        + table.names().size() + " labels");
            }
            return node.intValue();
        }
        if (!node.isString()) {
            throw error(at, "expected a structure name or integer id, got " + node);
        }
        return structure(node.asString(), at);
    }

    /** A structure named by text: a name of the label table, or its id in decimal. */
    int structure(String text, String at) {
        try {
            return table.resolve(List.of(text))[0];
        } catch (IllegalArgumentException e) {
            throw error(at, e.getMessage());
        }
    }

    /** A finite number. */
    double number(JsonNode node, String at) {
        if (node == null || !node.isNumber()) {
            throw error(at, "expected a number, got " + node);
        }
        // Number's conversion saturates to infinity where the node's doubleValue() throws (a 400-digit integer)
        double v = node.numberValue().doubleValue();
        if (!Double.isFinite(v)) {
            throw error(at, "expected a finite number, got " + node);
        }
        return v;
    }

    /** {@code [a, b, c]}: three finite numbers. */
    double[] triple(JsonNode node, String at) {
        if (node == null || !node.isArray() || node.size() != 3) {
            throw error(at, "expected three numbers [x, y, z], got " + node);
        }
        return new double[] {number(node.get(0), at + "[0]"), number(node.get(1), at + "[1]"),
                number(node.get(2), at + "[2]")};
    }

    /** A number inside a frame dimension of {@code size} pixels, {@code 0 ..= size - 1}. */
    double coordinate(JsonNode node, String at, int size, String what) {
        double v = number(node, at);
        if (v < 0 || v > size - 1) {
            throw error(at, v + " outside the frame: 0.." + (size - 1) + " (" + what + " " + size + ")");
        }
        return v;
    }

    int integer(JsonNode node, String at, int min, int max, String what) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToInt()) {
            throw error(at, "expected an integer, got " + node);
        }
        int v = node.intValue();
        if (v < min || v > max) {
            throw error(at, v + " outside " + min + ".." + max + " (" + what + ")");
        }
        return v;
    }

    JsonNode required(JsonNode node, String name, String at) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw error(at.isEmpty() ? name : at + "." + name, "missing");
        }
        return value;
    }

    void knownFields(JsonNode node, String at, Set<String> known) {
        for (String name : node.propertyNames()) {
            if (!known.contains(name)) {
                throw error(at.isEmpty() ? name : at + "." + name, "unknown field, expected one of "
                        + new TreeSet<>(known));
            }
        }
    }

    PromptFileException error(String field, String reason) {
        return new PromptFileException(source, field, reason);
    }
}
