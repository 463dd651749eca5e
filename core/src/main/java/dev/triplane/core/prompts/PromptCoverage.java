package dev.triplane.core.prompts;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.LabelTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which requested axes a prompt set leaves without prompts. A structure prompted on some requested axes only runs as
 * a {@link Cascade}; one prompted on none of them cannot run, and ingest refuses it before any job is sent.
 */
public final class PromptCoverage {

    private PromptCoverage() {
    }

    /**
     * @param prompts a checked prompt set
     * @param structures the request's structures
     * @param axes the request's axes
     * @return per structure lacking prompts (in {@code structures} order), the requested axes it lacks; empty when
     *     every structure has a prompt on every requested axis
     */
    public static Map<Integer, List<Axis>> unprompted(List<StructurePrompts> prompts, int[] structures,
            List<Axis> axes) {
        Map<Integer, List<Axis>> missing = new LinkedHashMap<>();
        for (int id : structures) {
            List<Axis> lacking = new ArrayList<>();
            for (Axis axis : axes) {
                if (prompts.stream().noneMatch(p -> p.structureId() == id && p.axis() == axis)) {
                    lacking.add(axis);
                }
            }
            if (!lacking.isEmpty()) {
                missing.put(id, lacking);
            }
        }
        return missing;
    }

    /** The entries of {@link #unprompted} that lack every one of {@code axes}: structures that cannot run. */
    public static Map<Integer, List<Axis>> promptedNowhere(List<StructurePrompts> prompts, int[] structures,
            List<Axis> axes) {
        Map<Integer, List<Axis>> nowhere = unprompted(prompts, structures, axes);
        nowhere.values().removeIf(lacking -> lacking.size() < axes.size());
        return nowhere;
    }

    /** {@code liver (5) has no prompt on coronal, sagittal; aorta (52) has none on sagittal}. */
    public static String describe(Map<Integer, List<Axis>> unprompted, LabelTable table) {
        return unprompted.entrySet().stream()
                .map(e -> (table.contains(e.getKey()) ? table.nameOf(e.getKey()) + " (" + e.getKey() + ")"
                        : "structure " + e.getKey()) + " has no prompt on "
                        + e.getValue().stream().map(Axis::id).collect(Collectors.joining(", ")))
                .collect(Collectors.joining("; "));
    }
}
