package dev.triplane.core.propagation;

import java.util.Locale;

/** How the outputs of a frame visited by several propagation passes become one (METHOD.md §1). */
public enum MergeRule {
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
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (MergeRule rule : values()) {
            if (rule.id.equals(n)) {
                return rule;
            }
        }
        throw new IllegalArgumentException("unknown merge rule '" + name
                + "', expected official, nearest-prompt or max-logit");
    }
}
