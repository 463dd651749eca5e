package dev.triplane.core.propagation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A propagation strategy of docs/method.md §1 as parameters of SAM2's memory bank: the single place that defines
 * the presets {@code np}, {@code baseline}, {@code sps}, {@code is} and {@code is+sps}, used by the library,
 * the job events and the ablation alike.
 *
 * <p>A policy is written as a preset name plus optional overrides, comma-separated:
 * {@code "is+sps,w=3,tau=0.25,ptrs=16,merge=max-logit,passes=1"}. Keys: {@code w} (non-conditioning memory
 * window, 0..6), {@code tau} (SPS temporal threshold, a number >= 0, or {@code all} to attend every
 * conditioning frame), {@code ptrs} (object pointers, >= 2), {@code merge} ({@link MergeRule#id()}) and
 * {@code passes} (refinement passes, >= 0). {@link #name()} is that text in canonical form (overrides in the
 * key order above) so {@code parse(p.name())} equals {@code p}.
 *
 * @param name canonical spec, e.g. {@code "sps"} or {@code "is+sps,w=3"}
 * @param numRecentFrames IS window: the most recent non-conditioning frames in memory, 0..6 (SAM2:
 *     {@code num_maskmem - 1 = 6})
 * @param conditioningTau SPS: a conditioning frame c is attended from frame t only if |t - c| / L <= tau;
 *     NaN attends every conditioning frame (SAM2's {@code max_cond_frames_in_attn = -1})
 * @param maxObjPtrs SAM2's {@code max_obj_ptrs_in_encoder} (16), at least 2
 * @param promptedOnly NP: only prompted frames are segmented, nothing is propagated
 * @param mergeRule how frames visited by both passes are merged
 * @param refinementPasses extra passes that reuse confident slices as conditioning frames; 0 = off
 */
public record MemoryPolicy(String name, int numRecentFrames, double conditioningTau, int maxObjPtrs,
        boolean promptedOnly, MergeRule mergeRule, int refinementPasses) {

    /** SAM2's default window of non-conditioning memories ({@code num_maskmem - 1}). */
    public static final int MAX_RECENT_FRAMES = MemorySelection.NUM_MASKMEM - 1;
    public static final double DEFAULT_TAU = 0.3;
    public static final int DEFAULT_IS_WINDOW = 2;
    public static final int DEFAULT_MAX_OBJ_PTRS = 16;

    private static final Map<String, MemoryPolicy> PRESETS = new LinkedHashMap<>();

    static {
        preset("np", MAX_RECENT_FRAMES, Double.NaN, true);
        preset("baseline", MAX_RECENT_FRAMES, Double.NaN, false);
        preset("sps", MAX_RECENT_FRAMES, DEFAULT_TAU, false);
        preset("is", DEFAULT_IS_WINDOW, Double.NaN, false);
        preset("is+sps", DEFAULT_IS_WINDOW, DEFAULT_TAU, false);
    }

    public MemoryPolicy {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("policy needs a name");
        }
        if (numRecentFrames < 0 || numRecentFrames > MAX_RECENT_FRAMES) {
            throw new IllegalArgumentException(name + ": w=" + numRecentFrames + " outside 0.." + MAX_RECENT_FRAMES);
        }
        if (!Double.isNaN(conditioningTau) && !(conditioningTau >= 0 && conditioningTau < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(name + ": tau=" + conditioningTau + " must be >= 0 and finite, or all");
        }
        if (maxObjPtrs < 2) {
            throw new IllegalArgumentException(name + ": ptrs=" + maxObjPtrs + " must be at least 2");
        }
        if (mergeRule == null) {
            throw new IllegalArgumentException(name + ": merge rule missing");
        }
        if (refinementPasses < 0) {
            throw new IllegalArgumentException(name + ": passes=" + refinementPasses + " must be >= 0");
        }
    }

    private static void preset(String name, int window, double tau, boolean promptedOnly) {
        PRESETS.put(name, new MemoryPolicy(name, window, tau, DEFAULT_MAX_OBJ_PTRS, promptedOnly,
                MergeRule.LAST_PASS_WINS, 0));
    }

    /** Preset names in the paper's table order. */
    public static List<String> presetNames() {
        return List.copyOf(PRESETS.keySet());
    }

    /**
     * A preset with optional overrides, e.g. {@code "is+sps,w=3"}.
     *
     * @throws IllegalArgumentException naming the unknown preset, key or bad value
     */
    public static MemoryPolicy parse(String spec) {
        String[] parts = spec.strip().toLowerCase(Locale.ROOT).split(",");
        MemoryPolicy base = PRESETS.get(parts[0].strip());
        if (base == null) {
            throw new IllegalArgumentException("unknown policy preset '" + parts[0].strip() + "' in '" + spec
                    + "', expected one of " + presetNames());
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int p = 1; p < parts.length; p++) {
            String[] kv = parts[p].split("=", 2);
            String key = kv[0].strip();
            if (kv.length != 2 || !List.of("w", "tau", "ptrs", "merge", "passes").contains(key)) {
                throw new IllegalArgumentException("bad override '" + parts[p].strip() + "' in policy '" + spec
                        + "', expected w=, tau=, ptrs=, merge= or passes=");
            }
            if (overrides.put(key, kv[1].strip()) != null) {
                throw new IllegalArgumentException("override " + key + " given twice in policy '" + spec + "'");
            }
        }
        int window = base.numRecentFrames;
        double tau = base.conditioningTau;
        int ptrs = base.maxObjPtrs;
        MergeRule merge = base.mergeRule;
        int passes = base.refinementPasses;
        StringBuilder name = new StringBuilder(base.name);
        try {
            if (overrides.containsKey("w")) {
                window = Integer.parseInt(overrides.get("w"));
                name.append(",w=").append(window);
            }
            if (overrides.containsKey("tau")) {
                String value = overrides.get("tau");
                tau = value.equals("all") ? Double.NaN : Double.parseDouble(value);
                name.append(",tau=").append(Double.isNaN(tau) ? "all" : formatTau(tau));
            }
            if (overrides.containsKey("ptrs")) {
                ptrs = Integer.parseInt(overrides.get("ptrs"));
                name.append(",ptrs=").append(ptrs);
            }
            if (overrides.containsKey("merge")) {
                merge = MergeRule.parse(overrides.get("merge"));
                name.append(",merge=").append(merge.id());
            }
            if (overrides.containsKey("passes")) {
                passes = Integer.parseInt(overrides.get("passes"));
                name.append(",passes=").append(passes);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("policy '" + spec + "': not a number: " + e.getMessage(), e);
        }
        return new MemoryPolicy(name.toString(), window, tau, ptrs, base.promptedOnly, merge, passes);
    }

    /**
     * A comma-separated list of policies where an override belongs to the preset before it:
     * {@code "np,baseline,is,w=3,sps"} is np, baseline, {@code is,w=3} and sps.
     *
     * @throws IllegalArgumentException for an empty list, a list starting with an override, or a bad policy
     */
    public static List<MemoryPolicy> parseList(String specs) {
        List<String> groups = new ArrayList<>();
        for (String part : specs.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            if (p.contains("=")) {
                if (groups.isEmpty()) {
                    throw new IllegalArgumentException("override '" + p + "' in '" + specs + "' follows no preset");
                }
                groups.set(groups.size() - 1, groups.get(groups.size() - 1) + "," + p);
            } else {
                groups.add(p);
            }
        }
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("no policy in '" + specs + "', expected some of " + presetNames());
        }
        return groups.stream().map(MemoryPolicy::parse).toList();
    }

    /** True when SPS filters the conditioning frames. */
    public boolean filtersConditioningFrames() {
        return !Double.isNaN(conditioningTau);
    }

    private static String formatTau(double tau) {
        String s = Double.toString(tau);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }
}
