package dev.triplane.core.prompts;

import dev.triplane.core.NamedOption;
import java.util.TreeSet;

/**
 * Chooses the prompted (conditioning) frames of a structure along an axis from its area per frame, for a
 * prompt budget B >= 2 (docs/method.md §1). Only frames holding the structure are chosen; choices that land on
 * the same frame collapse, so a structure thinner than B frames gets fewer prompts. Results are ascending.
 */
public enum SliceSelector implements NamedOption {
    /**
     * The first and last frame of the extent, plus B - 2 frames evenly spaced by index between them: frame
     * {@code first + floor(m * (last - first) / (B - 1) + 0.5)} for m = 1..B-2 (half rounds up). A chosen frame
     * without the structure (a gap) moves to the nearest frame holding it, the lower one on a tie.
     */
    EXTENT_ENDS("extent-ends"),
    /** The B frames of largest area, the lower index on equal areas. */
    LARGEST_AREA("largest-area"),
    /**
     * Frames evenly spaced by area: for m = 0..B-1 the first frame whose cumulative area reaches
     * (m + 0.5) / B of the total, so each prompt sits at the centre of an equal share of the volume.
     */
    AREA_QUANTILES("area-quantiles");

    private final String id;

    SliceSelector(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static SliceSelector parse(String name) {
        return NamedOption.parse(SliceSelector.class, name, "slice selector");
    }

    /**
     * @param areas structure pixels per frame, one entry per frame of the axis
     * @param budget B, at least 2
     * @return chosen frames, ascending, distinct; empty when every area is 0
     */
    public int[] select(int[] areas, int budget) {
        if (budget < 2) {
            throw new IllegalArgumentException("prompt budget " + budget + " must be at least 2");
        }
        int first = -1;
        int last = -1;
        long total = 0;
        for (int t = 0; t < areas.length; t++) {
            if (areas[t] < 0) {
                throw new IllegalArgumentException("negative area at frame " + t);
            }
            if (areas[t] > 0) {
                first = first < 0 ? t : first;
                last = t;
                total += areas[t];
            }
        }
        TreeSet<Integer> chosen = new TreeSet<>();
        if (first < 0) {
            return new int[0];
        }
        switch (this) {
            case EXTENT_ENDS -> {
                chosen.add(first);
                chosen.add(last);
                for (int m = 1; m <= budget - 2; m++) {
                    int t = first + (int) Math.floor((double) m * (last - first) / (budget - 1) + 0.5);
                    chosen.add(nearestHolding(areas, t));
                }
            }
            case LARGEST_AREA -> {
                boolean[] taken = new boolean[areas.length];
                for (int m = 0; m < budget; m++) {
                    int best = -1;
                    for (int t = first; t <= last; t++) {
                        if (!taken[t] && areas[t] > 0 && (best < 0 || areas[t] > areas[best])) {
                            best = t;
                        }
                    }
                    if (best < 0) {
                        break;
                    }
                    taken[best] = true;
                    chosen.add(best);
                }
            }
            case AREA_QUANTILES -> {
                long cumulative = 0;
                int m = 0;
                for (int t = first; t <= last && m < budget; t++) {
                    cumulative += areas[t];
                    // cumulative >= (m + 0.5) / B * total, in integers
                    while (m < budget && 2L * budget * cumulative >= (2L * m + 1) * total) {
                        chosen.add(t);
                        m++;
                    }
                }
            }
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int nearestHolding(int[] areas, int t) {
        for (int d = 0; ; d++) {
            if (t - d >= 0 && areas[t - d] > 0) {
                return t - d;
            }
            if (t + d < areas.length && areas[t + d] > 0) {
                return t + d;
            }
        }
    }
}
