package dev.triplane.core.synthetic;

import dev.triplane.core.distance.DistanceTransform;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.propagation.AxisLogits;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.volume.LabelVolume;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Logits shaped like real SAM2 output, made from a label map: {@value #INSIDE} inside a structure, falling by
 * {@value #SLOPE_PER_MM} per millimetre of in-frame distance outside it, so they cross the clamp floor
 * ({@link AxisLogits#FLOOR}) 10 mm from its edge, on every frame that shows the structure. The committed micro
 * model has random weights and gives logits above the floor on whole frames; these measure storage and fusion
 * on logits as sparse as real ones.
 */
public final class SyntheticLogits {

    static final float INSIDE = 8f;
    static final float SLOPE_PER_MM = 4f;

    private SyntheticLogits() {
    }

    /**
     * The logits of {@code ids} along {@code axis}, spilled to a file in {@code spillDir} as an axis job holds
     * them; close the result.
     *
     * @param ras labels in RAS+ order
     */
    public static LogitVolume fromLabels(LabelVolume ras, int[] ids, Axis axis, Path spillDir) throws IOException {
        AxisFrames frames = new AxisFrames(ras.grid(), axis);
        int fw = frames.frameWidth();
        int fh = frames.frameHeight();
        double[] spacing = {ras.grid().spacing()[axis.widthAxis()], ras.grid().spacing()[axis.heightAxis()], 1};
        int reach = (int) Math.ceil((INSIDE - AxisLogits.FLOOR) / SLOPE_PER_MM / Math.min(spacing[0], spacing[1]));
        int[] index = structureIndex(ids);
        int n = ids.length;
        int[] firsts = new int[n];
        int[] lasts = new int[n];
        Arrays.fill(firsts, Integer.MAX_VALUE);
        Arrays.fill(lasts, -1);
        int[] frame = new int[frames.frameSize()];
        for (int t = 0; t < frames.frameCount(); t++) {
            frames.copyFrame(ras.labels(), t, frame);
            for (int id : frame) {
                int s = id > 0 && id < index.length ? index[id] : -1;
                if (s >= 0) {
                    firsts[s] = Math.min(firsts[s], t);
                    lasts[s] = t;
                }
            }
        }
        for (int s = 0; s < n; s++) {
            if (lasts[s] < 0) {
                firsts[s] = 0;
            }
        }
        LogitVolume out = LogitVolume.spilled(ras.grid(), axis, ids, firsts, lasts, spillDir);
        float[] logits = new float[frames.frameSize()];
        Arrays.fill(logits, AxisLogits.ABSENT);
        int[][] boxes = new int[n][4];
        for (int t = 0; t < frames.frameCount(); t++) {
            frames.copyFrame(ras.labels(), t, frame);
            for (int[] box : boxes) {
                box[0] = fw;
                box[1] = fh;
                box[2] = -1;
                box[3] = -1;
            }
            for (int p = 0; p < frame.length; p++) {
                int s = frame[p] > 0 && frame[p] < index.length ? index[frame[p]] : -1;
                if (s >= 0) {
                    int[] box = boxes[s];
                    box[0] = Math.min(box[0], p % fw);
                    box[1] = Math.min(box[1], p / fw);
                    box[2] = Math.max(box[2], p % fw);
                    box[3] = Math.max(box[3], p / fw);
                }
            }
            for (int s = 0; s < n; s++) {
                if (t < firsts[s] || t > lasts[s]) {
                    continue;
                }
                int[] box = boxes[s];
                if (box[2] < 0) {
                    out.putFrame(s, t, logits);
                    continue;
                }
                int x0 = Math.max(0, box[0] - reach);
                int y0 = Math.max(0, box[1] - reach);
                int x1 = Math.min(fw - 1, box[2] + reach);
                int y1 = Math.min(fh - 1, box[3] + reach);
                fillCrop(frame, fw, ids[s], x0, y0, x1, y1, spacing, logits);
                out.putFrame(s, t, logits);
                for (int y = y0; y <= y1; y++) {
                    Arrays.fill(logits, y * fw + x0, y * fw + x1 + 1, AxisLogits.ABSENT);
                }
            }
        }
        return out;
    }

    /** Writes the logits of structure {@code id} on the crop [x0..x1] x [y0..y1] of a frame. */
    private static void fillCrop(int[] frame, int fw, int id, int x0, int y0, int x1, int y1, double[] spacing,
            float[] logits) {
        int cw = x1 - x0 + 1;
        int ch = y1 - y0 + 1;
        boolean[] inside = new boolean[cw * ch];
        for (int y = 0; y < ch; y++) {
            for (int x = 0; x < cw; x++) {
                inside[y * cw + x] = frame[(y0 + y) * fw + x0 + x] == id;
            }
        }
        int[] nearest = DistanceTransform.nearestFeature(inside, cw, ch, 1, spacing);
        for (int p = 0; p < inside.length; p++) {
            float logit = inside[p] ? INSIDE : (float) (INSIDE - SLOPE_PER_MM
                    * DistanceTransform.distance(p, nearest[p], cw, ch, spacing));
            logits[(y0 + p / cw) * fw + x0 + p % cw] = logit;
        }
    }

    private static int[] structureIndex(int[] ids) {
        int max = Arrays.stream(ids).max().orElse(0);
        int[] index = new int[max + 1];
        Arrays.fill(index, -1);
        for (int s = 0; s < ids.length; s++) {
            index[ids[s]] = s;
        }
        return index;
    }
}
