package dev.triplane.core.fusion;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.propagation.AxisLogits;
import dev.triplane.core.propagation.Float16;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.core.volume.VoxelBox;
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
 * Fuses the per-axis logits of many structures into one label volume and an uncertainty map on the input grid
 * (the method's tri-axis fusion; see docs/method.md).
 *
 * <p>Structures are added one at a time, each from the {@link AxisLogits} of the axes that hold it, on the RAS+
 * grid ({@link Reorientation#target()}); an axis that never arrived is simply absent and every rule works on the
 * axes present (see {@link FusionRule}). Logits are clamped to [-32, 32] first (SAM2 writes -1024 on frames
 * without the object; NaN counts as -32). A structure is fused on the box where some axis holds it above the
 * clamp floor, the only voxels any rule can put inside it or give a variance; so memory is one label, one score
 * and one uncertainty array for the volume plus one float16 array per axis for the largest structure's box,
 * whatever the number of structures.
 *
 * <ul>
 *   <li>Overlaps: a voxel inside several fused structures takes the one with the highest score of the rule;
 *   on equal scores the structure added first keeps it.</li>
 *   <li>Uncertainty: per structure, the population variance of the present axes' probabilities (sigmoid of
 *   the clamped logits; 0 with one axis); per voxel, the largest over all structures added.</li>
 * </ul>
 * Voxels are processed in parallel over rows of the box, with no allocation per voxel. Not thread-safe: add
 * structures from one thread.
 */
public final class TriAxisFusion {

    /** Logits are clamped to [-LOGIT_CLAMP, LOGIT_CLAMP] before fusing. */
    public static final float LOGIT_CLAMP = -AxisLogits.FLOOR;

    /** Voxels fused per parallel task, at least one row of the box. */
    private static final int SLAB = 1 << 15;
    private static final float[] HALF_TO_FLOAT = new float[1 << 16];

    static {
        for (int h = 0; h < HALF_TO_FLOAT.length; h++) {
            HALF_TO_FLOAT[h] = Float16.toFloat((short) h);
        }
    }

    private final Reorientation reorientation;
    private final FusionRule rule;
    private final int[] labels;
    private final float[] best;
    private final float[] uncertainty;
    private final Set<Integer> added = new HashSet<>();
    private short[][] boxes = new short[0][];

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
     * Fuses structure {@code id} into the label volume from the axes whose logits hold it (with a single-axis
     * rule, that axis only). A structure no such axis holds keeps no voxel.
     *
     * @param id structure id, positive, not added before
     * @param logits per axis, logits on the RAS+ grid
     * @return whether some axis held the structure
     * @throws IllegalArgumentException for a bad id or logits on another grid
     */
    public boolean add(int id, Map<Axis, ? extends AxisLogits> logits) {
        if (id <= 0 || added.contains(id)) {
            throw new IllegalArgumentException("structure id " + id + (id <= 0 ? " must be positive"
                    : " was already fused"));
        }
        List<AxisLogits> axes = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        VoxelBox box = VoxelBox.EMPTY;
        Map<Axis, AxisLogits> ordered = new EnumMap<>(Axis.class);
        ordered.putAll(logits);
        for (Map.Entry<Axis, AxisLogits> e : ordered.entrySet()) {
            AxisLogits axis = e.getValue();
            if (!Arrays.equals(axis.grid().shape(), reorientation.target().shape())) {
                throw new IllegalArgumentException("structure " + id + ", " + e.getKey().id() + ": logits on "
                        + axis.grid() + ", not the RAS grid " + reorientation.target());
            }
            int index = axis.indexOf(id);
            if (index >= 0 && (rule.kind() != FusionRule.Kind.SINGLE_AXIS || rule.axis() == e.getKey())) {
                axes.add(axis);
                indices.add(index);
                box = box.union(axis.extent(index));
            }
        }
        added.add(id);
        if (box.isEmpty()) {
            return !axes.isEmpty();
        }
        int boxVoxels = (int) box.voxelCount();
        short[][] halves = buffers(axes.size(), boxVoxels);
        VoxelBox fill = box;
        IntStream.range(0, axes.size()).parallel().forEach(a -> axes.get(a).fill(indices.get(a), fill, halves[a]));
        fuseBox(id, halves, box);
        return true;
    }

    /** The fused labels on the input grid (0 = background); a new array, later adds do not change it. */
    public LabelVolume labels() {
        boxes = new short[0][];
        return reorientation.inverse(new LabelVolume(reorientation.target(), labels));
    }

    /** The fused labels on the RAS+ grid of the logits (0 = background); a new array. */
    public LabelVolume rasLabels() {
        boxes = new short[0][];
        return new LabelVolume(reorientation.target(), labels.clone());
    }

    /** The uncertainty map on the input grid: largest per-structure variance of the axes' probabilities. */
    public ImageVolume uncertainty() {
        boxes = new short[0][];
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

    /** One float16 array per axis of at least {@code voxels} elements, kept for the next structures. */
    private short[][] buffers(int axes, int voxels) {
        if (boxes.length < axes) {
            boxes = Arrays.copyOf(boxes, axes);
        }
        for (int a = 0; a < axes; a++) {
            if (boxes[a] == null || boxes[a].length < voxels) {
                boxes[a] = new short[voxels];
            }
        }
        return Arrays.copyOf(boxes, axes);
    }

    private void fuseBox(int id, short[][] halves, VoxelBox box) {
        Grid grid = reorientation.target();
        int width = box.size(0);
        int rows = box.size(1) * box.size(2);
        int rowsPerTask = Math.max(1, SLAB / width);
        int tasks = (rows + rowsPerTask - 1) / rowsPerTask;
        IntStream.range(0, tasks).parallel().forEach(task -> {
            float[] p = new float[halves.length];
            int to = Math.min(rows, (task + 1) * rowsPerTask);
            for (int row = task * rowsPerTask; row < to; row++) {
                int j = box.j0() + row % box.size(1);
                int k = box.k0() + row / box.size(1);
                fuseRow(id, halves, row * width, grid.index(box.i0(), j, k), width, p);
            }
        });
    }

    /** Whether every axis' logit of box voxel {@code l} clamps to the floor (NaN does). */
    private static boolean atFloor(short[][] halves, int l) {
        for (short[] axis : halves) {
            if (HALF_TO_FLOAT[axis[l] & 0xFFFF] > -LOGIT_CLAMP) {
                return false;
            }
        }
        return true;
    }

    private void fuseRow(int id, short[][] halves, int local, int global, int width, float[] p) {
        int n = halves.length;
        FusionRule.Kind kind = rule.kind();
        for (int x = 0; x < width; x++) {
            int l = local + x;
            int v = global + x;
            if (atFloor(halves, l)) {
                // no rule puts such a voxel inside, and equal probabilities have no variance: skip the sigmoids
                continue;
            }
            float sumLogit = 0;
            float maxLogit = -LOGIT_CLAMP;
            float sumProb = 0;
            int votes = 0;
            for (int a = 0; a < n; a++) {
                float x0 = HALF_TO_FLOAT[halves[a][l] & 0xFFFF];
                // the negated test also sends NaN to the floor
                float c = !(x0 > -LOGIT_CLAMP) ? -LOGIT_CLAMP : Math.min(x0, LOGIT_CLAMP);
                p[a] = (float) (1.0 / (1.0 + Math.exp(-c)));
                sumLogit += c;
                sumProb += p[a];
                maxLogit = Math.max(maxLogit, c);
                if (c > 0) {
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
