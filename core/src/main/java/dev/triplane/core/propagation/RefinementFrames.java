package dev.triplane.core.propagation;

import java.util.Arrays;

/**
 * Multi-pass refinement (docs/method.md §1, our reading): which frames of one structure a finished propagation hands
 * to the next one as extra mask-conditioning frames, and their masks.
 *
 * <p>The structure's conditioning frames cut its frames into segments: before the first, between two consecutive
 * ones, after the last. In each segment the tracked frame with the highest confidence is chosen; confidence is
 * the mean logit over the predicted mask (pixels with logit > 0) of an output whose object score is > 0, so a
 * frame the model finds empty or absent is never chosen and a segment without a present frame adds nothing.
 * Every output of every pass may be offered; a frame offered twice keeps its more confident output. On a tie
 * the output offered first stays. Holds one mask per segment, not per frame.
 */
public final class RefinementFrames {

    private final int[] condFrames;
    private final int[] best;
    private final double[] confidence;
    private final boolean[][] masks;

    /** @param condFrames the structure's conditioning frames, ascending, distinct, at least one */
    public RefinementFrames(int[] condFrames) {
        if (condFrames.length == 0) {
            throw new IllegalArgumentException("refinement needs at least one conditioning frame");
        }
        for (int c = 1; c < condFrames.length; c++) {
            if (condFrames[c] <= condFrames[c - 1]) {
                throw new IllegalArgumentException("conditioning frames must be ascending and distinct: "
                        + Arrays.toString(condFrames));
            }
        }
        this.condFrames = condFrames.clone();
        this.best = new int[condFrames.length + 1];
        this.confidence = new double[condFrames.length + 1];
        this.masks = new boolean[condFrames.length + 1][];
        Arrays.fill(best, -1);
        Arrays.fill(confidence, Double.NEGATIVE_INFINITY);
    }

    /**
     * Mean logit over the pixels with logit > 0 when {@code objectScore > 0} and some pixel is > 0; NaN otherwise.
     */
    public static double confidence(float[] logits, float objectScore) {
        if (!(objectScore > 0)) {
            return Double.NaN;
        }
        double sum = 0;
        int count = 0;
        for (float v : logits) {
            if (v > 0) {
                sum += v;
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * Offers one output of a tracked frame; keeps its mask ({@code logits > 0}) when it is its segment's most
     * confident so far.
     *
     * @param logits the frame's logits (read, not kept)
     * @return whether it became its segment's choice
     */
    public boolean offer(int frame, float[] logits, float objectScore) {
        int segment = segment(frame);
        double c = confidence(logits, objectScore);
        if (segment < 0 || Double.isNaN(c) || c <= confidence[segment]) {
            return false;
        }
        boolean[] mask = masks[segment] != null && masks[segment].length == logits.length ? masks[segment]
                : new boolean[logits.length];
        for (int p = 0; p < logits.length; p++) {
            mask[p] = logits[p] > 0;
        }
        masks[segment] = mask;
        best[segment] = frame;
        confidence[segment] = c;
        return true;
    }

    /** The chosen frames, ascending. */
    public int[] frames() {
        return Arrays.stream(best).filter(f -> f >= 0).toArray();
    }

    /** The mask kept for a chosen frame. */
    public boolean[] mask(int frame) {
        int segment = segment(frame);
        if (segment < 0 || best[segment] != frame) {
            throw new IllegalArgumentException(
                    "frame " + frame + " is not a chosen frame " + Arrays.toString(frames()));
        }
        return masks[segment];
    }

    /** Segment index of a non-conditioning frame; -1 for a conditioning frame. */
    private int segment(int frame) {
        int at = Arrays.binarySearch(condFrames, frame);
        return at >= 0 ? -1 : -at - 1;
    }
}
