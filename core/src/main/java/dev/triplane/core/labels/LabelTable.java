package dev.triplane.core.labels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Structure ids and names of a label map, e.g. TotalSegmentator's "total" task: read from a JSON object
 * {@code {"1": "spleen", "5": "liver", ...}} ({@code samples/labels-total-v2.json}). Ids are positive (0 is
 * background) and names unique. Immutable.
 */
public final class LabelTable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String TOTAL_V2 = "labels-total-v2.json";

    private final Map<Integer, String> names;
    private final Map<String, Integer> ids;

    private LabelTable(Map<Integer, String> names) {
        this.names = Collections.unmodifiableMap(new TreeMap<>(names));
        Map<String, Integer> byName = new HashMap<>();
        for (Map.Entry<Integer, String> e : this.names.entrySet()) {
            if (e.getKey() <= 0) {
                throw new IllegalArgumentException("label id " + e.getKey() + " must be positive (0 is background)");
            }
            if (e.getValue() == null || e.getValue().isBlank()) {
                throw new IllegalArgumentException("label " + e.getKey() + " has no name");
            }
            Integer previous = byName.put(e.getValue(), e.getKey());
            if (previous != null) {
                throw new IllegalArgumentException("name '" + e.getValue() + "' used by labels " + previous
                        + " and " + e.getKey());
            }
        }
        this.ids = byName;
    }

    public static LabelTable of(Map<Integer, String> names) {
        return new LabelTable(names);
    }

    /** Reads a JSON object of id strings to names. */
    public static LabelTable read(InputStream json) {
        Map<String, String> raw;
        try {
            raw = JSON.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (JacksonException e) {
            throw new IllegalArgumentException("label table is not a JSON object of id -> name: "
                    + e.getOriginalMessage(), e);
        }
        Map<Integer, String> names = new HashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            try {
                names.put(Integer.parseInt(e.getKey().strip()), e.getValue());
            } catch (NumberFormatException notANumber) {
                throw new IllegalArgumentException("label table key '" + e.getKey() + "' is not an integer id");
            }
        }
        return new LabelTable(names);
    }

    /** TotalSegmentator v2's "total" task (117 structures), bundled with the library. */
    public static LabelTable totalSegmentatorV2() {
        try (InputStream in = LabelTable.class.getResourceAsStream(TOTAL_V2)) {
            if (in == null) {
                throw new IllegalStateException("resource " + TOTAL_V2 + " is missing from the classpath");
            }
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + TOTAL_V2, e);
        }
    }

    public static LabelTable read(Path json) {
        try (InputStream in = Files.newInputStream(json)) {
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read label table " + json, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(json + ": " + e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException naming the structure when it is not in the table */
    public int idOf(String name) {
        Integer id = ids.get(name);
        if (id == null) {
            throw new IllegalArgumentException(unknownMessage(List.of(name)));
        }
        return id;
    }

    /** @throws IllegalArgumentException when {@code id} is not in the table */
    public String nameOf(int id) {
        String name = names.get(id);
        if (name == null) {
            throw new IllegalArgumentException(unknownMessage(List.of(Integer.toString(id))));
        }
        return name;
    }

    public boolean contains(int id) {
        return names.containsKey(id);
    }

    /** Id to name, ascending ids. */
    public Map<Integer, String> names() {
        return names;
    }

    /**
     * Resolves structures given as ids ("5") or names ("liver"), in order.
     *
     * @throws IllegalArgumentException listing every unknown entry, with table names that contain it
     */
    public int[] resolve(List<String> idsOrNames) {
        int[] out = new int[idsOrNames.size()];
        List<String> unknown = new ArrayList<>();
        for (int n = 0; n < out.length; n++) {
            String token = idsOrNames.get(n).strip();
            Integer id = ids.get(token);
            if (id == null && !token.isEmpty() && token.chars().allMatch(Character::isDigit)) {
                id = names.containsKey(Integer.parseInt(token)) ? Integer.parseInt(token) : null;
            }
            if (id == null) {
                unknown.add(token);
            } else {
                out[n] = id;
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(unknownMessage(unknown));
        }
        return out;
    }

    private String unknownMessage(List<String> unknown) {
        StringBuilder message = new StringBuilder("unknown structure(s) ").append(unknown)
                .append(" in a table of ").append(names.size()).append(" labels");
        List<String> similar = new ArrayList<>();
        for (String token : unknown) {
            String needle = token.toLowerCase(Locale.ROOT);
            for (String name : names.values()) {
                if (!needle.isEmpty() && name.contains(needle) && similar.size() < 8) {
                    similar.add(name);
                }
            }
        }
        if (!similar.isEmpty()) {
            message.append("; similar names: ").append(similar);
        }
        return message.toString();
    }
}
