package dev.triplane.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads {@code triplane/layout.json}, the one source of truth for topics, bucket and object keys. */
final class LayoutFile {

    static final String RESOURCE = "/triplane/layout.json";

    private LayoutFile() {
    }

    static JsonNode read() {
        try (InputStream in = LayoutFile.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " missing from the classpath");
            }
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    static JsonNode parse(InputStream in) {
        JsonNode root = JsonMapper.builder().build().readTree(in);
        if (root.path("version").asInt(0) != 1) {
            throw new IllegalArgumentException("layout version must be 1, got " + root.path("version"));
        }
        return root;
    }

    static JsonNode required(JsonNode parent, String field, String where) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("layout: " + where + " lacks '" + field + "'");
        }
        return node;
    }
}
