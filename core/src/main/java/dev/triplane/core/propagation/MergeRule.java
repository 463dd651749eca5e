package dev.triplane.core.propagation;

import dev.triplane.core.NamedOption;

/** How the outputs of a frame visited by several propagation passes become one (METHOD.md §1). */
public enum MergeRule implements NamedOption {
    /** The official video predictor's behaviour: the pass that visits the frame last overwrites it. */
    LAST_PASS_WINS("official"),
    /**
     * The pass that reached the frame from the nearer prompted frame wins: forward passes from the nearest
     * prompted frame at or before it, reverse passes from the nearest at or after it; the later pass on a tie.
     */
    NEAREST_PROMPT("nearest-prompt"),
    /** Per pixel, the largest logit of all passes. */
    MAX_LOGIT("max-logit");

    private final String id;

    MergeRule(String id) {
        this.id = id;
    }

    /** The name used in presets, overrides and job events. */
    public String id() {
        return id;
    }

    public static MergeRule parse(String name) {
        return NamedOption.parse(MergeRule.class, name, "merge rule");
    }
}
