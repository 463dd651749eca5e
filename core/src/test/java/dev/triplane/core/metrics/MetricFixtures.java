package dev.triplane.core.metrics;

import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.volume.BinaryMask;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Reads the fixtures written by {@code tools/fixtures/metric_cases.py} (see its NOTES.md). */
final class MetricFixtures {

    private static final Fixtures METRICS = Fixtures.of("metrics");
    private static final JsonNode DOC = METRICS.json("cases.json");

    private MetricFixtures() {
    }

    static List<JsonNode> cases() {
        return list(DOC.get("cases"));
    }

    static List<JsonNode> labelCases() {
        return list(DOC.get("label_cases"));
    }

    static double[] tolerances() {
        return Fixtures.doubles(DOC.get("nsd_tolerances_mm"));
    }

    static Grid grid(JsonNode c) {
        JsonNode shape = c.get("shape");
        JsonNode s = c.get("spacing");
        return Grid.ofSpacing(shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt(),
                s.get(0).asDouble(), s.get(1).asDouble(), s.get(2).asDouble());
    }

    /** The prediction (bit 0) or the reference (bit 1) of a synthetic case. */
    static BinaryMask mask(JsonNode c, int bit) {
        Grid grid = grid(c);
        byte[] raw = METRICS.gunzip(c.get("file").asString());
        boolean[] voxels = new boolean[raw.length];
        for (int v = 0; v < raw.length; v++) {
            voxels[v] = (raw[v] >> bit & 1) != 0;
        }
        return new BinaryMask(grid, voxels);
    }

    static LabelVolume labels(JsonNode c, String fileKey) {
        return new LabelVolume(grid(c), METRICS.unsignedBytes(c.get(fileKey).asString()));
    }

    /**
     * A number at {@code path} below {@code node}; null where the oracle refused the case (an {"error"} object)
     * or the value is missing. Non-finite values are stored as "NaN"/"Infinity" strings.
     */
    static Double number(JsonNode node, String... path) {
        JsonNode n = node;
        for (String p : path) {
            n = n.path(p);
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        return n.isString() ? Double.valueOf(Double.parseDouble(n.asString())) : null;
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
