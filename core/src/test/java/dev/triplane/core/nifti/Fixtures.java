package dev.triplane.core.nifti;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The committed NIfTI fixtures written by {@code tools/fixtures/nifti_cases.py}, and the repository samples. */
final class Fixtures {

    static final JsonNode CASES = load();

    private Fixtures() {}

    static Path file(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/nifti/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file of {@code samples/}; Maven runs the tests in {@code core/}. */
    static Path sample(String name) {
        return Path.of("..", "samples", name);
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).doubleValue();
        }
        return out;
    }

    private static JsonNode load() {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/nifti/cases.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
