package dev.triplane.core.volume;

/**
 * A box of voxels of a grid, both corners inclusive, in voxel indices (i, j, k); {@link #EMPTY} holds none.
 * Flat indices inside the box run like the grid's: i fastest.
 */
public record VoxelBox(int i0, int j0, int k0, int i1, int j1, int k1) {

    /** The box with no voxel; the identity of {@link #union}. */
    public static final VoxelBox EMPTY = new VoxelBox(0, 0, 0, -1, -1, -1);

    /** The box of the voxels with {@code lo[a] <= index[a] <= hi[a]} on each array axis a. */
    public static VoxelBox of(int[] lo, int[] hi) {
        if (lo[0] > hi[0] || lo[1] > hi[1] || lo[2] > hi[2]) {
            return EMPTY;
        }
        return new VoxelBox(lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]);
    }

    public boolean isEmpty() {
        return i1 < i0 || j1 < j0 || k1 < k0;
    }

    /** The extent along array axis {@code a} (0 = i, 1 = j, 2 = k). */
    public int size(int a) {
        return isEmpty() ? 0 : a == 0 ? i1 - i0 + 1 : a == 1 ? j1 - j0 + 1 : k1 - k0 + 1;
    }

    public int lo(int a) {
        return a == 0 ? i0 : a == 1 ? j0 : k0;
    }

    public int hi(int a) {
        return a == 0 ? i1 : a == 1 ? j1 : k1;
    }

    public long voxelCount() {
        return (long) size(0) * size(1) * size(2);
    }

    /** The smallest box holding both. */
    public VoxelBox union(VoxelBox other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        return new VoxelBox(Math.min(i0, other.i0), Math.min(j0, other.j0), Math.min(k0, other.k0),
                Math.max(i1, other.i1), Math.max(j1, other.j1), Math.max(k1, other.k1));
    }
}
