package dev.triplane.core.prompts;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.BoundingBox;
import dev.triplane.core.labels.FrameMask;
import dev.triplane.core.labels.InteriorPoint;
import dev.triplane.core.labels.StructureExtent;
import dev.triplane.core.volume.LabelVolume;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Prompts derived from a reference label volume in RAS+ voxel order, per structure and axis (docs/method.md §1,
 * evaluation mode): the prompted frames come from a {@link SliceSelector} over the structure's area per
 * frame, and each prompted frame gets the kinds asked for:
 * <ul>
 *   <li>box: the tight bounding box of the structure in the frame;</li>
 *   <li>point: the interior pixel farthest from the structure's border ({@link FrameMask#farthestInteriorPoint()}),
 *   positive, then up to {@code negativePoints} negative clicks: the corners of the box grown by
 *   {@code negativeMargin} pixels (clamped to the frame) that lie outside the structure, the corner farthest
 *   from the structure first (exact Euclidean distance to its nearest pixel; on equal distance top-left,
 *   top-right, bottom-left, bottom-right), so they mark background near the object without touching it;</li>
 *   <li>mask: the label slice.</li>
 * </ul>
 * The propagated range is the extent along the axis grown by {@code rangeMargin} frames per side.
 */
public final class LabelPrompts {

    private LabelPrompts() {
    }

    /**
     * @param ras reference labels in RAS+ order
     * @param id the structure's label id
     * @return empty when the structure is absent from the volume
     */
    public static Optional<StructurePrompts> derive(LabelVolume ras, int id, Axis axis, DerivationOptions options) {
        int[] areas = StructureExtent.frameAreas(ras, id, axis);
        int[] frames = options.selector().select(areas, options.budget());
        if (frames.length == 0) {
            return Optional.empty();
        }
        int first = 0;
        while (areas[first] == 0) {
            first++;
        }
        int last = areas.length - 1;
        while (areas[last] == 0) {
            last--;
        }
        List<FramePrompt> prompts = new ArrayList<>();
        for (int t : frames) {
            prompts.add(onFrame(FrameMask.of(ras, id, axis, t), id, axis, t, options));
        }
        return Optional.of(new StructurePrompts(id, axis,
                FrameRange.around(first, last, options.rangeMargin(), areas.length), prompts));
    }

    /** Every structure present in {@code ras} among {@code ids}, on each of {@code axes}. */
    public static List<StructurePrompts> deriveAll(LabelVolume ras, int[] ids, List<Axis> axes,
            DerivationOptions options) {
        List<StructurePrompts> out = new ArrayList<>();
        for (int id : ids) {
            for (Axis axis : axes) {
                derive(ras, id, axis, options).ifPresent(out::add);
            }
        }
        return out;
    }

    private static FramePrompt onFrame(FrameMask mask, int id, Axis axis, int t, DerivationOptions options) {
        BoundingBox bbox = mask.boundingBox().orElseThrow();
        BoxPrompt box = null;
        List<PointPrompt> points = new ArrayList<>();
        if (options.kinds().contains(PromptKind.BOX)) {
            box = new BoxPrompt(bbox.x0(), bbox.y0(), bbox.x1(), bbox.y1());
        }
        if (options.kinds().contains(PromptKind.POINT)) {
            InteriorPoint p = mask.farthestInteriorPoint().orElseThrow();
            points.add(new PointPrompt(p.x(), p.y(), true));
            points.addAll(negativePoints(mask, bbox, options.negativePoints(), options.negativeMargin()));
        }
        FrameMask maskPrompt = options.kinds().contains(PromptKind.MASK) ? mask : null;
        return new FramePrompt(id, axis, t, points, box, maskPrompt);
    }

    static List<PointPrompt> negativePoints(FrameMask mask, BoundingBox bbox, int count, int margin) {
        List<PointPrompt> out = new ArrayList<>();
        if (count == 0) {
            return out;
        }
        int x0 = Math.max(0, bbox.x0() - margin);
        int y0 = Math.max(0, bbox.y0() - margin);
        int x1 = Math.min(mask.width() - 1, bbox.x1() + margin);
        int y1 = Math.min(mask.height() - 1, bbox.y1() + margin);
        int[][] corners = {{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}};
        long[] distance = new long[corners.length];
        for (int c = 0; c < corners.length; c++) {
            distance[c] = squaredDistanceToStructure(mask, corners[c][0], corners[c][1]);
            for (int d = 0; d < c; d++) {
                if (corners[d][0] == corners[c][0] && corners[d][1] == corners[c][1]) {
                    distance[c] = 0; // same pixel as an earlier corner (box clamped to a line)
                }
            }
        }
        while (out.size() < count) {
            int best = -1;
            for (int c = 0; c < corners.length; c++) {
                if (distance[c] > 0 && (best < 0 || distance[c] > distance[best])) {
                    best = c;
                }
            }
            if (best < 0) {
                break;
            }
            out.add(new PointPrompt(corners[best][0], corners[best][1], false));
            distance[best] = 0;
        }
        return out;
    }

    /** Squared pixel distance from (x, y) to the nearest structure pixel, 0 on it; brute force: 4 corners. */
    private static long squaredDistanceToStructure(FrameMask mask, int x, int y) {
        long best = Long.MAX_VALUE;
        boolean[] pixels = mask.pixels();
        int w = mask.width();
        for (int p = 0; p < pixels.length; p++) {
            if (pixels[p]) {
                long dx = p % w - x;
                long dy = p / w - y;
                best = Math.min(best, dx * dx + dy * dy);
            }
        }
        return best;
    }
}
