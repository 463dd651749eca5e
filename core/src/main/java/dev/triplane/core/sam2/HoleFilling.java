package dev.triplane.core.sam2;

import dev.triplane.core.labels.ConnectedComponents;
import dev.triplane.core.volume.BinaryMask;
import dev.triplane.core.volume.Grid;

/**
 * SAM2's fill_holes_in_mask_scores (the video predictor's {@code fill_hole_area}, applied with
 * {@code apply_postprocessing=True} when its CUDA extension is present): background components (logit <= 0,
 * 8-connected, touching the border or not) of at most {@code maxArea} pixels get the logit 0.1.
 */
public final class HoleFilling {

    static final float FILL = 0.1f;

    private HoleFilling() {
    }

    /** Fills the holes of {@code logits} [side, side] in place. */
    public static void fill(float[] logits, int side, int maxArea) {
        boolean[] background = new boolean[logits.length];
        for (int p = 0; p < logits.length; p++) {
            background[p] = logits[p] <= 0;
        }
        ConnectedComponents cc = ConnectedComponents.of(new BinaryMask(Grid.ofSpacing(side, side, 1, 1, 1, 1),
                background), ConnectedComponents.Connectivity.FULL);
        int[] labels = cc.labels();
        for (int p = 0; p < logits.length; p++) {
            if (labels[p] > 0 && cc.size(labels[p]) <= maxArea) {
                logits[p] = FILL;
            }
        }
    }
}
