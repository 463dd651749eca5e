package dev.triplane.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.Yaml;

/**
 * A parsed {@code docker-compose.yml} (SnakeYAML resolves the {@code <<} merge keys as compose does; {@code ${...}}
 * values stay literal, compose interpolates them at run time).
 */
final class ComposeFile {

    private final Map<String, Object> services;

    private ComposeFile(Map<String, Object> services) {
        this.services = services;
    }

    static ComposeFile read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Map<String, Object> root = new Yaml().load(in);
            return new ComposeFile(map(root.get("services"), "services"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    Set<String> serviceNames() {
        return new TreeSet<>(services.keySet());
    }

    /** A service's definition; empty when it does not exist. */
    Map<String, Object> service(String name) {
        Object service = services.get(name);
        return service == null ? Map.of() : map(service, name);
    }

    /** A service's environment as a map (compose also allows a list of {@code NAME=value}). */
    Map<String, String> environment(String name) {
        Object environment = service(name).get("environment");
        Map<String, String> result = new LinkedHashMap<>();
        if (environment instanceof Map<?, ?> entries) {
            entries.forEach((key, value) -> result.put(String.valueOf(key), String.valueOf(value)));
        } else if (environment instanceof List<?> entries) {
            for (Object entry : entries) {
                String[] parts = String.valueOf(entry).split("=", 2);
                result.put(parts[0], parts.length > 1 ? parts[1] : "");
            }
        }
        return result;
    }

    /** The short syntax of {@code ports} ({@code "8081:8081"}, {@code "8081"}), as written. */
    List<String> ports(String name) {
        return strings(service(name).get("ports"));
    }

    List<String> expose(String name) {
        return strings(service(name).get("expose"));
    }

    /** The healthcheck's {@code test} array. */
    List<String> healthcheck(String name) {
        Object healthcheck = service(name).get("healthcheck");
        return healthcheck == null ? List.of() : strings(map(healthcheck, name + ".healthcheck").get("test"));
    }

    static List<String> strings(Object value) {
        List<String> result = new ArrayList<>();
        if (value instanceof List<?> items) {
            items.forEach(item -> result.add(String.valueOf(item)));
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String where) {
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(where + " is not a mapping: " + value);
        }
        return (Map<String, Object>) value;
    }
}
