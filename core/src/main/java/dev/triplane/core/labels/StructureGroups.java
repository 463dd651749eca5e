package dev.triplane.core.labels;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Named groups of structures, resolved against a {@link LabelTable} by structure name, so one group serves
 * every table that uses TotalSegmentator's names. A group is a list of patterns: an exact name, or a prefix
 * ending in {@code *}. {@code all} is every structure of the table.
 *
 * <p>{@code bones} is the paper's evaluation set: vertebrae, ribs, sternum, costal cartilages, hips, sacrum,
 * femur, humerus, scapula, clavicle (TotalSegmentator spells it "clavicula") and skull; 63 structures of the
 * v2 table.
 */
public final class StructureGroups {

    public static final String ALL = "all";

    private static final Map<String, List<String>> GROUPS = new TreeMap<>(Map.of(
            "bones", List.of("vertebrae_*", "rib_*", "sternum", "costal_cartilages", "hip_*", "sacrum", "femur_*",
                    "humerus_*", "scapula_*", "clavicula_*", "skull")));

    private StructureGroups() {
    }

    /** Group names, {@code all} included, ascending. */
    public static List<String> names() {
        List<String> names = new ArrayList<>(GROUPS.keySet());
        names.add(ALL);
        names.sort(null);
        return names;
    }

    public static boolean isGroup(String name) {
        return ALL.equals(name) || GROUPS.containsKey(name);
    }

    /**
     * The ids of group {@code name} in {@code table}, ascending.
     *
     * @throws IllegalArgumentException for an unknown group, or a group with no structure in the table
     */
    public static int[] resolve(String name, LabelTable table) {
        if (ALL.equals(name)) {
            return table.names().keySet().stream().mapToInt(Integer::intValue).toArray();
        }
        List<String> patterns = GROUPS.get(name);
        if (patterns == null) {
            throw new IllegalArgumentException("unknown structure group '" + name + "', known: " + names());
        }
        List<Integer> ids = new ArrayList<>();
        for (Map.Entry<Integer, String> e : table.names().entrySet()) {
            if (matchesAny(patterns, e.getValue())) {
                ids.add(e.getKey());
            }
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("structure group '" + name + "' matches no structure of a table of "
                    + table.names().size() + " labels");
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Expands a comma-separated list of group names, structure names and ids ("bones,liver,52") into ids, in
     * the order given, each id once.
     *
     * @throws IllegalArgumentException naming every unknown entry
     */
    public static int[] expand(String spec, LabelTable table) {
        List<String> tokens = new ArrayList<>();
        List<String> structures = new ArrayList<>();
        for (String token : spec.split(",")) {
            String t = token.strip();
            if (!t.isEmpty()) {
                tokens.add(t);
                if (!isGroup(t)) {
                    structures.add(t);
                }
            }
        }
        int[] named = table.resolve(structures);
        Set<Integer> ids = new LinkedHashSet<>();
        int next = 0;
        for (String t : tokens) {
            if (isGroup(t)) {
                for (int id : resolve(t, table)) {
                    ids.add(id);
                }
            } else {
                ids.add(named[next++]);
            }
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("no structure in '" + spec + "'");
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static boolean matchesAny(List<String> patterns, String name) {
        for (String p : patterns) {
            boolean prefix = p.endsWith("*");
            if (prefix ? name.startsWith(p.substring(0, p.length() - 1)) : name.equals(p)) {
                return true;
            }
        }
        return false;
    }
}
