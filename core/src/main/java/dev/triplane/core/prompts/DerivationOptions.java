package dev.triplane.core.prompts;

import java.util.EnumSet;
import java.util.Set;

/**
 * How prompts are derived from a reference label (evaluation mode).
 *
 * @param kinds prompt types put on every prompted frame, at least one
 * @param budget B, prompted frames per structure and axis, at least 2
 * @param selector how the prompted frames are chosen
 * @param negativePoints negative clicks added to POINT prompts, 0..4 (see {@link LabelPrompts})
 * @param negativeMargin pixels the structure's box grows by to place negative clicks, >= 1
 * @param rangeMargin frames propagated beyond the structure's extent per side, >= 0
 */
public record DerivationOptions(Set<PromptKind> kinds, int budget, SliceSelector selector, int negativePoints,
        int negativeMargin, int rangeMargin) {

    public static final int MAX_NEGATIVE_POINTS = 4;

    public DerivationOptions {
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("at least one prompt kind is needed");
        }
        kinds = Set.copyOf(kinds);
        if (budget < 2) {
            throw new IllegalArgumentException("prompt budget " + budget + " must be at least 2");
        }
        if (negativePoints < 0 || negativePoints > MAX_NEGATIVE_POINTS) {
            throw new IllegalArgumentException("negative points " + negativePoints + " outside 0.."
                    + MAX_NEGATIVE_POINTS);
        }
        if (negativeMargin < 1 || rangeMargin < 0 || selector == null) {
            throw new IllegalArgumentException("negative margin must be >= 1, range margin >= 0, selector given");
        }
    }

    /**
     * A box on the first and last frame of the extent (docs/method.md's reading of the paper's baseline), range
     * margin 2, no negative points (their margin 5 pixels when turned on).
     */
    public static DerivationOptions defaults() {
        return new DerivationOptions(EnumSet.of(PromptKind.BOX), 2, SliceSelector.EXTENT_ENDS, 0, 5,
                FrameRange.DEFAULT_MARGIN);
    }

    public DerivationOptions withKinds(Set<PromptKind> newKinds) {
        return new DerivationOptions(newKinds, budget, selector, negativePoints, negativeMargin, rangeMargin);
    }

    public DerivationOptions withBudget(int newBudget, SliceSelector newSelector) {
        return new DerivationOptions(kinds, newBudget, newSelector, negativePoints, negativeMargin, rangeMargin);
    }

    public DerivationOptions withNegativePoints(int count, int margin) {
        return new DerivationOptions(kinds, budget, selector, count, margin, rangeMargin);
    }
}
