package dev.triplane.core.fusion;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Fuses the per-axis logit volumes of many structures into one label volume and an uncertainty map on the
 * input grid (METHOD.md §1, tri-axis fusion).
 *
 * <p>Structures are added one at a time, so memory stays at one label, one score and one uncertainty array
 * whatever the number of structures. Each structure's logits are float arrays on the common RAS+ grid
 * ({@link Reorientation#target()}, flat, x fastest), one per axis that produced them; an axis that never
 * arrived is simply absent and every rule works on the axes present (see {@link FusionRule}). Logits are
 * clamped to [-32, 32] first (SAM2 writes -1024 on frames without the object; NaN counts as -32).
 *
 * <ul>
 *   <li>Overlaps: a voxel inside several fused structures takes the one with the highest score of the rule;
 *   on equal scores the structure added first keeps it.</li>
 *   <li>Uncertainty: per structure, the population variance of the present axes' probabilities (sigmoid of
 *   the clamped logits; 0 with one axis); per voxel, the largest over all structures added.</li>
 * </ul>
 * Voxels are processed in parallel over contiguous slabs of the flat arrays, with no allocation per voxel.
 * Not thread-safe: add structures from one thread.
 */
public final class TriAxisFusion {

    /** Logits are clamped to [-LOGIT_CLAMP, LOGIT_CLAMP] before fusing. */
    public static final float LOGIT_CLAMP = 32f;

    private static final int SLAB = 1 << 15;

    private final Reorientation reorientation;
    private final FusionRule rule;
    private final int[] labels;
    private final float[] best;
    private final float[] uncertainty;
    private final Set<Integer> added = new HashSet<>();

    /**
     * @param reorientation from the input grid to the RAS+ grid the logits are on
     * @param rule the fusion rule
     */
    public TriAxisFusion(Reorientation reorientation, FusionRule rule) {
        this.reorientation = reorientation;
        this.rule = rule;
        int n = reorientation.target().voxelCount();
        labels = new int[n];
        best = new float[n];
        uncertainty = new float[n];
    }

    public FusionRule rule() {
        return rule;
    }

    /**
     * Fuses structure {@code id} into the label volume.
     *
     * @param id structure id, positive, not added before
     * @param logits per axis, a logit volume on the RAS+ grid; 1 to 3 axes
     * @throws IllegalArgumentException for a bad id, no axis, a wrong array length or, with a single-axis
     *     rule, that axis missing
     */
    public void add(int id, Map<Axis, float[]> logits) {
        if (id <= 0 || added.contains(id)) {
            throw new IllegalArgumentException("structure id " + id + (id <= 0 ? " must be positive"
                    : " was already fused"));
        }
        float[][] axes = present(id, logits);
        added.add(id);
        int n = labels.length;
        int slabs = (n + SLAB - 1) / SLAB;
        IntStream.range(0, slabs).parallel().forEach(s -> fuseSlab(id, axes, s * SLAB, Math.min(n, (s + 1) * SLAB)));
    }

    /** The fused labels on the input grid (0 = background); a new array, later adds do not change it. */
    public LabelVolume labels() {
        return reorientation.inverse(new LabelVolume(reorientation.target(), labels));
    }

    /** The uncertainty map on the input grid: largest per-structure variance of the axes' probabilities. */
    public ImageVolume uncertainty() {
        return reorientation.inverse(new ImageVolume(reorientation.target(), uncertainty));
    }

    /** Voxels per structure in the fused labels, for every structure added (0 when it lost every voxel). */
    public Map<Integer, Integer> voxelCounts() {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (int id : added) {
            counts.put(id, 0);
        }
        for (int label : labels) {
            if (label != 0) {
                counts.merge(label, 1, Integer::sum);
            }
        }
        return counts;
    }

    private float[][] present(int id, Map<Axis, float[]> logits) {
        Grid grid = reorientation.target();
        List<float[]> axes = new ArrayList<>();
        Map<Axis, float[]> ordered = new EnumMap<>(Axis.class);
        ordered.putAll(logits);
        for (Map.Entry<Axis, float[]> e : ordered.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            if (e.getValue().length != grid.voxelCount()) {
                throw new IllegalArgumentException("structure " + id + ", " + e.getKey().id() + ": "
                        + e.getValue().length + " logits, the RAS grid " + grid + " has " + grid.voxelCount());
            }
            if (rule.kind() != FusionRule.Kind.SINGLE_AXIS || rule.axis() == e.getKey()) {
                axes.add(e.getValue());
            }
        }
        if (axes.isEmpty()) {
            throw new IllegalArgumentException("structure " + id + ": no logits" + (rule.kind()
                    == FusionRule.Kind.SINGLE_AXIS ? " for the " + rule.axis().id() + " axis" : "") + " to fuse, got "
                    + Arrays.toString(ordered.keySet().toArray()));
        }
        return axes.toArray(new float[0][]);
    }

    /** Whether every axis' logit of voxel {@code v} clamps to the floor (NaN does). */
    private static boolean atFloor(float[][] axes, int v) {
        for (float[] axis : axes) {
            if (axis[v] > -LOGIT_CLAMP) {
                return false;
            }
        }
        return true;
    }

    private void fuseSlab(int id, float[][] axes, int from, int to) {
        int n = axes.length;
        float[] p = new float[n];
        FusionRule.Kind kind = rule.kind();
        for (int v = from; v < to; v++) {
            if (atFloor(axes, v)) {
                // no rule puts such a voxel inside, and equal probabilities have no variance: skip the sigmoids
                continue;
            }
            float sumLogit = 0;
            float maxLogit = -LOGIT_CLAMP;
            float sumProb = 0;
            int votes = 0;
            for (int a = 0; a < n; a++) {
                float x = axes[a][v];
                // the negated test also sends NaN to the floor
                x = !(x > -LOGIT_CLAMP) ? -LOGIT_CLAMP : Math.min(x, LOGIT_CLAMP);
                p[a] = (float) (1.0 / (1.0 + Math.exp(-x)));
                sumLogit += x;
                sumProb += p[a];
                maxLogit = Math.max(maxLogit, x);
                if (x > 0) {
                    votes++;
                }
            }
            float meanProb = sumProb / n;
            float variance = 0;
            for (int a = 0; a < n; a++) {
                variance += (p[a] - meanProb) * (p[a] - meanProb);
            }
            variance /= n;
            if (variance > uncertainty[v]) {
                uncertainty[v] = variance;
            }
            float score;
            boolean inside;
            switch (kind) {
                case MEAN_PROB -> {
                    score = meanProb;
                    inside = score > 0.5f;
                }
                case VOTE -> {
                    score = sumLogit / n;
                    inside = 2 * votes > n;
                }
                case MAX -> {
                    score = maxLogit;
                    inside = score > 0;
                }
                default -> {
                    score = sumLogit / n;
                    inside = score > 0;
                }
            }
            if (inside && (labels[v] == 0 || score > best[v])) {
                labels[v] = id;
                best[v] = score;
            }
        }
    }
}
