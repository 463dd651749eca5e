package dev.triplane.core.geometry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads the fixtures written by {@code tools/fixtures/geometry_cases.py}. */
public final class GeometryFixtures {

    private static final String ROOT = "/fixtures/geometry/";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private GeometryFixtures() {
    }

    public static JsonNode json(String name) {
        try (InputStream in = open(name)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A gzipped little-endian float32 array. */
    public static float[] floats(String name) {
        ByteBuffer bytes = ByteBuffer.wrap(gunzip(name)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(out);
        return out;
    }

    /** A gzipped uint8 array, widened to int. */
    public static int[] unsignedBytes(String name) {
        byte[] bytes = gunzip(name);
        int[] out = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i] & 0xff;
        }
        return out;
    }

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static byte[] gunzip(String name) {
        try (InputStream in = new GZIPInputStream(open(name))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(String name) {
        InputStream in = GeometryFixtures.class.getResourceAsStream(ROOT + name);
        if (in == null) {
            throw new IllegalStateException("missing fixture " + ROOT + name
                    + "; run tools/.venv/bin/python tools/fixtures/geometry_cases.py");
        }
        return in;
    }
}
