package dev.triplane.ingest;

import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.labels.StructureGroups;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.infra.ObjectKeys;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;

/**
 * What to segment and how, before the volume is known: the structure selection is resolved against the label
 * table and the labels present ({@link #resolveStructures}). Built from {@link IngestProperties.Request} with
 * the overrides of an upload.
 *
 * @param structures   {@code present}, a structure group, or names/ids separated by commas
 * @param axes         axes to propagate along, distinct
 * @param memoryPolicy {@link MemoryPolicy#parse} syntax, checked here
 * @param model        SAM2 model name
 * @param prompts      how prompts are derived from the labels
 * @param datasetTag   tag metrics are aggregated under
 */
record RequestSpec(String structures, List<Axis> axes, String memoryPolicy, String model, PromptPolicy prompts,
        String datasetTag) {

    static final String PRESENT = "present";

    RequestSpec {
        if (structures == null || structures.isBlank()) {
            throw new IllegalArgumentException("structures must be 'present', a group or a list of names/ids");
        }
        if (axes.isEmpty() || EnumSet.copyOf(axes).size() != axes.size()) {
            throw new IllegalArgumentException("axes must be distinct and at least one: " + axes);
        }
        axes = List.copyOf(axes);
        memoryPolicy = MemoryPolicy.parse(memoryPolicy).name();
        if (model == null || model.isBlank() || datasetTag == null || datasetTag.isBlank()) {
            throw new IllegalArgumentException("model and dataset tag must not be empty");
        }
    }

    /** The configured default request. */
    static RequestSpec of(IngestProperties.Request r) {
        return new RequestSpec(r.structures(), r.axes(), r.memoryPolicy(), r.model(),
                PromptPolicy.fromLabels(r.promptBudget(), r.selector(), r.promptKinds()), r.datasetTag());
    }

    /** This request with the given values where they are not null. */
    RequestSpec with(String newStructures, String newMemoryPolicy, String newModel, String newDatasetTag) {
        return new RequestSpec(newStructures != null ? newStructures : structures, axes,
                newMemoryPolicy != null ? newMemoryPolicy : memoryPolicy, newModel != null ? newModel : model, prompts,
                newDatasetTag != null ? newDatasetTag : datasetTag);
    }

    /** This request along {@code newAxes} (comma-separated axis names), or unchanged when null. */
    RequestSpec withAxes(String newAxes) {
        if (newAxes == null) {
            return this;
        }
        List<Axis> parsed = Arrays.stream(newAxes.split(",")).map(a -> Axis.parse(a.strip())).toList();
        return new RequestSpec(structures, parsed, memoryPolicy, model, prompts, datasetTag);
    }

    /**
     * This request with label-derived prompts of {@code budget} frames chosen by {@code selector}
     * ({@code SliceSelector.parse} names) and {@code kinds} (comma-separated {@code box}, {@code point},
     * {@code mask}), each kept as configured when null.
     */
    RequestSpec withPrompts(Integer budget, String selector, String kinds) {
        if (budget == null && selector == null && kinds == null) {
            return this;
        }
        List<PromptKind> parsedKinds = kinds == null ? prompts.kinds()
                : Arrays.stream(kinds.split(",")).map(k -> PromptKind.parse(k.strip())).toList();
        return new RequestSpec(structures, axes, memoryPolicy, model, PromptPolicy.fromLabels(
                budget != null ? budget : prompts.budget(),
                selector != null ? SliceSelector.parse(selector.strip()) : prompts.selector(), parsedKinds),
                datasetTag);
    }

    /**
     * The structure ids to segment, ascending: the selection resolved against {@code table}, kept only where
     * prompts can come from ({@code present} selects all of those).
     *
     * @param present ids with prompts: those with voxels in the reference labels, or those of the prompt file
     * @throws IllegalArgumentException for an unknown group or structure, or when nothing is left
     */
    int[] resolveStructures(LabelTable table, BitSet present) {
        int[] wanted;
        String spec = structures.strip();
        if (PRESENT.equals(spec)) {
            wanted = present.stream().toArray();
        } else if (StructureGroups.isGroup(spec)) {
            wanted = StructureGroups.resolve(spec, table);
        } else {
            wanted = table.resolve(Arrays.asList(spec.split(",")));
        }
        int[] kept = Arrays.stream(wanted).filter(present::get).distinct().sorted().toArray();
        if (kept.length == 0) {
            throw new IllegalArgumentException("structures '" + spec + "' select nothing that has prompts ("
                    + present.cardinality() + " structures in the labels or prompt file)");
        }
        return kept;
    }

    /**
     * A request id that is a function of the parameters, the resolved structures and the prompt file, so the
     * same scan dropped twice names the same request: {@code r-} and 16 hex digits of their SHA-256.
     *
     * @param promptsDigest SHA-256 of the prompt file, or empty when prompts come from the labels
     */
    String requestId(int[] structureIds, String promptsDigest) {
        return requestId(structureIds, promptsDigest, false);
    }

    /**
     * {@link #requestId(int[], String)}; a prompt file that leaves axes to a cascade's second stage has its prompts
     * there derived with this request's budget, selector and kinds, so they name the request too.
     */
    String requestId(int[] structureIds, String promptsDigest, boolean cascade) {
        String source = promptsDigest.isEmpty() ? prompts.toString()
                : "file:" + promptsDigest + (cascade ? ", then " + prompts : "");
        String canonical = Arrays.toString(structureIds) + "|" + axes + "|" + memoryPolicy + "|" + model + "|"
                + source + "|" + datasetTag;
        return "r-" + ObjectKeys.volumeId(canonical.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }
}
