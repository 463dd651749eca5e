package dev.triplane.core.propagation;

import dev.triplane.core.NamedOption;

/** How the outputs of a frame visited by several propagation passes become one (docs/method.md §1). */
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

    /** What a frame's reverse-pass output does to the output the forward pass already gave that frame. */
    public enum Outcome {
        /** The reverse output replaces the forward one. */
        REPLACE,
        /** The forward output stays; the reverse one is dropped. */
        KEEP,
        /** Per pixel, the larger of the two logits (and the larger object score). */
        MAX
    }

    /**
     * The outcome for a frame visited by both passes of one structure.
     *
     * @param frame a tracked (not conditioning) frame the forward pass visited
     * @param condFrames the structure's conditioning frames, ascending
     */
    public Outcome reverseOutcome(int frame, int[] condFrames) {
        return switch (this) {
            case LAST_PASS_WINS -> Outcome.REPLACE;
            case MAX_LOGIT -> Outcome.MAX;
            case NEAREST_PROMPT -> {
                long fromForward = Long.MAX_VALUE;
                long fromReverse = Long.MAX_VALUE;
                for (int c : condFrames) {
                    if (c <= frame) {
                        fromForward = Math.min(fromForward, frame - c);
                    }
                    if (c >= frame) {
                        fromReverse = Math.min(fromReverse, c - frame);
                    }
                }
                yield fromReverse <= fromForward ? Outcome.REPLACE : Outcome.KEEP;
            }
        };
    }

    public static MergeRule parse(String name) {
        return NamedOption.parse(MergeRule.class, name, "merge rule");
    }
}
