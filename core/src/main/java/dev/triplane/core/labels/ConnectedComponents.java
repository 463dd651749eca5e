package dev.triplane.core.labels;

import dev.triplane.core.volume.BinaryMask;
import dev.triplane.core.volume.Grid;
import java.util.Arrays;

/**
 * The 3D connected components of a binary mask, as {@code scipy.ndimage.label} finds them.
 *
 * <p>Components are numbered from 1 in the order their first voxel appears in the flat array (x fastest);
 * the largest component is the one with most voxels, the lowest number on ties. Breadth-first flood fill
 * with one queue and one label array for the whole mask (no per-voxel allocation); written here because
 * the JDK has none and the mask is a plain array.
 */
public final class ConnectedComponents {

    /** Which neighbours touch: faces (6, scipy's default) or faces, edges and corners (26). */
    public enum Connectivity {
        FACES,
        FULL
    }

    private final Grid grid;
    private final int[] labels;
    private final int[] sizes;

    private ConnectedComponents(Grid grid, int[] labels, int[] sizes) {
        this.grid = grid;
        this.labels = labels;
        this.sizes = sizes;
    }

    /** Labels the components of {@code mask}. */
    public static ConnectedComponents of(BinaryMask mask, Connectivity connectivity) {
        Grid g = mask.grid();
        int nx = g.nx();
        int ny = g.ny();
        int nz = g.nz();
        int plane = nx * ny;
        boolean[] in = mask.voxels();
        int[] labels = new int[in.length];
        int[] queue = new int[in.length];
        int[] sizes = new int[16];
        int count = 0;
        boolean full = connectivity == Connectivity.FULL;
        for (int seed = 0; seed < in.length; seed++) {
            if (!in[seed] || labels[seed] != 0) {
                continue;
            }
            int label = ++count;
            labels[seed] = label;
            int head = 0;
            int tail = 0;
            queue[tail++] = seed;
            while (head < tail) {
                int v = queue[head++];
                int i = v % nx;
                int j = (v / nx) % ny;
                int k = v / plane;
                for (int dk = -1; dk <= 1; dk++) {
                    int kk = k + dk;
                    if (kk < 0 || kk >= nz) {
                        continue;
                    }
                    for (int dj = -1; dj <= 1; dj++) {
                        int jj = j + dj;
                        if (jj < 0 || jj >= ny) {
                            continue;
                        }
                        for (int di = -1; di <= 1; di++) {
                            int ii = i + di;
                            int steps = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
                            if (ii < 0 || ii >= nx || steps == 0 || (!full && steps > 1)) {
                                continue;
                            }
                            int w = ii + nx * (jj + ny * kk);
                            if (in[w] && labels[w] == 0) {
                                labels[w] = label;
                                queue[tail++] = w;
                            }
                        }
                    }
                }
            }
            if (label >= sizes.length) {
                sizes = Arrays.copyOf(sizes, sizes.length * 2);
            }
            sizes[label] = tail;
        }
        return new ConnectedComponents(g, labels, Arrays.copyOf(sizes, count + 1));
    }

    /** The largest component of {@code mask} (an empty mask stays empty). */
    public static BinaryMask largest(BinaryMask mask, Connectivity connectivity) {
        return of(mask, connectivity).largestMask();
    }

    public int count() {
        return sizes.length - 1;
    }

    /** Voxels in component {@code label}, 1..count(). */
    public int size(int label) {
        if (label < 1 || label > count()) {
            throw new IndexOutOfBoundsException("component " + label + " outside 1.." + count());
        }
        return sizes[label];
    }

    /** Component number of each voxel, 0 outside the mask; x fastest. Owned by this object. */
    public int[] labels() {
        return labels;
    }

    /** The number of the largest component, 0 when there is none. */
    public int largestLabel() {
        int best = 0;
        for (int label = 1; label < sizes.length; label++) {
            if (sizes[label] > sizes[best]) {
                best = label;
            }
        }
        return best;
    }

    public BinaryMask largestMask() {
        int best = largestLabel();
        boolean[] out = new boolean[labels.length];
        if (best > 0) {
            for (int v = 0; v < labels.length; v++) {
                out[v] = labels[v] == best;
            }
        }
        return new BinaryMask(grid, out);
    }
}
