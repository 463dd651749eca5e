package dev.triplane.core.prompts;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.labels.FrameMask;
import dev.triplane.core.volume.Grid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects the prompts of a prompt file or markups onto slices of the RAS+ volume and builds one
 * {@link StructurePrompts} per structure and axis. Positions in 3D (RAS+ voxel indices, continuous) land on the
 * slice through them: a point on every axis, a box on the slice through its centre of each axis, an outline on the
 * one slice it is drawn on. Pieces of one structure on one slice merge into one conditioning frame; what the engine
 * cannot honour there (two boxes, a mask beside clicks or a box) is refused naming both entries.
 */
final class PromptSlices {

    /** The most an outline's points may spread across its slice, in voxels: a drawing on one slice, rounded. */
    private static final double OUTLINE_THICKNESS = 1.0;

    private final PromptJson json;
    private final Grid ras;
    private final boolean merge;
    private final Map<Integer, Map<Axis, Map<Integer, Slice>>> byStructure = new TreeMap<>();

    /**
     * @param ras the RAS+ grid
     * @param merge whether entries may share a slice (version 2, markups) or each slice takes one entry (version 1)
     */
    PromptSlices(PromptJson json, Grid ras, boolean merge) {
        this.json = json;
        this.ras = ras;
        this.merge = merge;
    }

    /** What one slice of one structure has so far, with the entries it came from for errors. */
    private static final class Slice {
        final List<PointPrompt> points = new ArrayList<>();
        BoxPrompt box;
        FrameMask mask;
        String boxAt;
        String firstAt;
    }

    /** Pieces given on a named slice, in that slice's frame pixels. */
    void add(int id, Axis axis, int frame, List<PointPrompt> points, BoxPrompt box, FrameMask mask, String at) {
        Slice s = byStructure.computeIfAbsent(id, k -> new TreeMap<>()).computeIfAbsent(axis, k -> new TreeMap<>())
                .computeIfAbsent(frame, k -> new Slice());
        String where = "structure " + id + " on " + axis.id() + " slice " + frame;
        if (s.firstAt != null && !merge) {
            throw json.error(at, "a second prompt for " + where + " (first: " + s.firstAt
                    + "); put all of a slice's points, box and mask in one entry");
        }
        if (s.firstAt == null) {
            s.firstAt = at;
        }
        if (box != null) {
            if (s.box != null) {
                throw json.error(at, "a second box for " + where + " (first: " + s.boxAt
                        + "); SAM2 takes one box per frame");
            }
            s.box = box;
            s.boxAt = at;
        }
        if (mask != null) {
            if (s.mask != null) {
                throw json.error(at, "a second mask for " + where + " (first: " + s.firstAt + ")");
            }
            s.mask = mask;
        }
        s.points.addAll(points);
        if (s.points.size() > PromptFile.MAX_POINTS) {
            throw json.error(at, s.points.size() + " clicks on " + where + "; a slice takes at most "
                    + PromptFile.MAX_POINTS);
        }
        if (s.mask != null && (!s.points.isEmpty() || s.box != null)) {
            throw json.error(at, "a mask with clicks or a box for " + where + " (first: " + s.firstAt
                    + "): a mask prompt stands alone on its slice; put clicks and boxes on other slices");
        }
    }

    /** A click at RAS+ voxel position {@code v}: on every axis, on the slice through it. */
    void point(int id, double[] v, boolean positive, String at) {
        requireInside(v, at, "the point");
        for (Axis axis : Axis.values()) {
            AxisFrames frames = new AxisFrames(ras, axis);
            add(id, axis, nearest(v[axis.arrayAxis()], frames.frameCount()), List.of(new PointPrompt(
                    clamp(v[axis.widthAxis()], frames.frameWidth()), clamp(v[axis.heightAxis()], frames.frameHeight()),
                    positive)), null, null, at);
        }
    }

    /** The box spanned by RAS+ voxel positions {@code corners}: on each axis, on the slice through its centre. */
    void box(int id, List<double[]> corners, String at) {
        int[] shape = ras.shape();
        double[] lo = new double[3];
        double[] hi = new double[3];
        for (int d = 0; d < 3; d++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] c : corners) {
                min = Math.min(min, c[d]);
                max = Math.max(max, c[d]);
            }
            if (max < -0.5 || min >= shape[d] - 0.5) {
                throw json.error(at, "the box lies outside the volume: RAS+ voxel " + "ijk".charAt(d) + " "
                        + round2(min) + ".." + round2(max) + " not in 0.." + (shape[d] - 1) + " " + rasGrid());
            }
            lo[d] = clamp(min, shape[d]);
            hi[d] = clamp(max, shape[d]);
        }
        for (Axis axis : Axis.values()) {
            int w = axis.widthAxis();
            int h = axis.heightAxis();
            int t = axis.arrayAxis();
            add(id, axis, nearest((lo[t] + hi[t]) / 2, shape[t]), List.of(), new BoxPrompt(lo[w], lo[h], hi[w], hi[h]),
                    null, at);
        }
    }

    /**
     * A closed outline through RAS+ voxel positions {@code vertices}, drawn on one slice: the pixels whose centres
     * it encloses (even-odd rule) are a mask on that slice. The axis is the one across which the vertices spread
     * least.
     */
    void outline(int id, List<double[]> vertices, String at) {
        if (vertices.size() < 3) {
            throw json.error(at, "an outline needs at least 3 points, got " + vertices.size());
        }
        Axis best = null;
        double bestSpread = Double.POSITIVE_INFINITY;
        for (Axis axis : Axis.values()) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] v : vertices) {
                min = Math.min(min, v[axis.arrayAxis()]);
                max = Math.max(max, v[axis.arrayAxis()]);
            }
            if (max - min < bestSpread) {
                bestSpread = max - min;
                best = axis;
            }
        }
        if (bestSpread > OUTLINE_THICKNESS) {
            throw json.error(at, "the outline does not lie on one slice: its points spread over " + round2(bestSpread)
                    + " voxels even along " + best.id() + "; draw it on one slice");
        }
        AxisFrames frames = new AxisFrames(ras, best);
        double sum = 0;
        for (double[] v : vertices) {
            sum += v[best.arrayAxis()];
        }
        double centre = sum / vertices.size();
        if (centre < -0.5 || centre >= frames.frameCount() - 0.5) {
            throw json.error(at, "the outline lies outside the volume: " + best.id() + " slice " + round2(centre)
                    + " not in 0.." + (frames.frameCount() - 1) + " " + rasGrid());
        }
        int width = frames.frameWidth();
        int height = frames.frameHeight();
        int n = vertices.size();
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int p = 0; p < n; p++) {
            xs[p] = vertices.get(p)[best.widthAxis()];
            ys[p] = vertices.get(p)[best.heightAxis()];
        }
        boolean[] pixels = new boolean[width * height];
        boolean any = false;
        double[] crossings = new double[n];
        for (int y = 0; y < height; y++) {
            int count = 0;
            for (int p = 0, q = n - 1; p < n; q = p++) {
                // an edge counts on a row when the row lies in [lower end, upper end): shared vertices count once
                if ((ys[p] <= y) != (ys[q] <= y)) {
                    crossings[count++] = xs[q] + (y - ys[q]) * (xs[p] - xs[q]) / (ys[p] - ys[q]);
                }
            }
            Arrays.sort(crossings, 0, count);
            for (int c = 0; c + 1 < count; c += 2) {
                int x0 = (int) Math.max(0, Math.ceil(crossings[c]));
                int x1 = (int) Math.min(width - 1, Math.floor(crossings[c + 1]));
                for (int x = x0; x <= x1; x++) {
                    pixels[x + width * y] = true;
                    any = true;
                }
            }
        }
        if (!any) {
            throw json.error(at, "the outline encloses no pixel centre of " + best.id() + " slice "
                    + nearest(centre, frames.frameCount()));
        }
        add(id, best, nearest(centre, frames.frameCount()), List.of(), null, new FrameMask(width, height, pixels), at);
    }

    /** One entry per structure and axis, ordered by structure id then axis, each over the whole axis. */
    List<StructurePrompts> build() {
        if (byStructure.isEmpty()) {
            throw json.error("", "empty prompt set: give at least one prompt");
        }
        List<StructurePrompts> out = new ArrayList<>();
        byStructure.forEach((id, axes) -> axes.forEach((axis, slices) -> {
            List<FramePrompt> prompts = new ArrayList<>();
            slices.forEach((frame, s) -> prompts.add(new FramePrompt(id, axis, frame, s.points, s.box, s.mask)));
            out.add(new StructurePrompts(id, axis, FrameRange.whole(new AxisFrames(ras, axis).frameCount()),
                    prompts));
        }));
        return out;
    }

    private void requireInside(double[] v, String at, String what) {
        int[] shape = ras.shape();
        for (int d = 0; d < 3; d++) {
            if (!(v[d] >= -0.5 && v[d] < shape[d] - 0.5)) {
                throw json.error(at, what + " lies outside the volume: RAS+ voxel (" + round2(v[0]) + ", "
                        + round2(v[1]) + ", " + round2(v[2]) + ") not in " + rasGrid());
            }
        }
    }

    private String rasGrid() {
        return "(RAS+ volume " + ras.nx() + "x" + ras.ny() + "x" + ras.nz() + ")";
    }

    /** The index of the voxel holding continuous index {@code v}, inside {@code 0 ..= n - 1}. */
    private static int nearest(double v, int n) {
        return (int) Math.max(0, Math.min(n - 1, Math.floor(v + 0.5)));
    }

    private static double clamp(double v, int n) {
        return Math.max(0, Math.min(n - 1, v));
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
