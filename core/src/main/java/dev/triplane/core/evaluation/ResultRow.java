package dev.triplane.core.evaluation;

import dev.triplane.core.metrics.StructureMetrics;

/**
 * The metrics of one structure in one run.
 *
 * @param key the run (case, preset, axes)
 * @param metrics Dice, IoU and distances in mm of the structure
 */
public record ResultRow(RunKey key, StructureMetrics metrics) {
}
