package dev.triplane.core.metrics;

import dev.triplane.core.volume.BinaryMask;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads the fixtures written by {@code tools/fixtures/metric_cases.py} (see its NOTES.md). */
final class MetricFixtures {

    private static final String ROOT = "/fixtures/metrics/";
    private static final JsonNode DOC = load();

    private MetricFixtures() {
    }

    static JsonNode doc() {
        return DOC;
    }

    static List<JsonNode> cases() {
        return list(DOC.get("cases"));
    }

    static List<JsonNode> labelCases() {
        return list(DOC.get("label_cases"));
    }

    static double[] tolerances() {
        List<JsonNode> t = list(DOC.get("nsd_tolerances_mm"));
        double[] out = new double[t.size()];
        for (int n = 0; n < out.length; n++) {
            out[n] = t.get(n).asDouble();
        }
        return out;
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
        byte[] raw = bytes(c.get("file").asString(), grid.voxelCount());
        boolean[] voxels = new boolean[raw.length];
        for (int v = 0; v < raw.length; v++) {
            voxels[v] = (raw[v] >> bit & 1) != 0;
        }
        return new BinaryMask(grid, voxels);
    }

    static LabelVolume labels(JsonNode c, String fileKey) {
        Grid grid = grid(c);
        byte[] raw = bytes(c.get(fileKey).asString(), grid.voxelCount());
        int[] labels = new int[raw.length];
        for (int v = 0; v < raw.length; v++) {
            labels[v] = raw[v] & 0xff;
        }
        return new LabelVolume(grid, labels);
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

    private static byte[] bytes(String file, int expected) {
        try (InputStream in = new GZIPInputStream(resource(file))) {
            byte[] raw = in.readAllBytes();
            if (raw.length != expected) {
                throw new IllegalStateException(file + " holds " + raw.length + " voxels, expected " + expected);
            }
            return raw;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String file) {
        InputStream in = MetricFixtures.class.getResourceAsStream(ROOT + file);
        if (in == null) {
            throw new IllegalStateException("missing fixture " + ROOT + file);
        }
        return in;
    }

    private static JsonNode load() {
        try (InputStream in = resource("cases.json")) {
            return JsonMapper.builder().build().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
