package dev.triplane.core.volume;

import java.util.stream.IntStream;

/**
 * Runs work over the outer index of a voxel loop (slices, rows, lines) split into one contiguous range per core,
 * on the common fork-join pool. Contiguous ranges keep each worker on adjacent memory and let it allocate its
 * scratch once per range instead of once per slice.
 */
public final class ParallelRanges {

    /** Work over outer indices {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    private ParallelRanges() {
    }

    /** Splits {@code 0..count-1} into at most one range per core and runs the ranges in parallel. */
    public static void forEach(int count, RangeTask task) {
        int parts = Math.min(count, Runtime.getRuntime().availableProcessors());
        if (parts <= 1) {
            task.run(0, count);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> task.run(
                (int) ((long) count * p / parts), (int) ((long) count * (p + 1) / parts)));
    }
}
