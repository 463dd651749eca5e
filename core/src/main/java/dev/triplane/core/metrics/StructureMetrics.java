package dev.triplane.core.metrics;

/**
 * Agreement of one predicted structure with its reference. Distances are in mm.
 *
 * <p>Empty-mask policy: both masks empty gives Dice = IoU = 1; one empty gives Dice = IoU = 0. In both cases the
 * surface metrics (HD, HD95, ASSD, NSD) are NaN, never 0, and {@code note} says why.
 *
 * @param id structure label id (0 for an anonymous mask pair)
 * @param name structure name, or null when unknown
 * @param predVoxels voxels in the prediction
 * @param refVoxels voxels in the reference
 * @param dice 2|P∩R| / (|P| + |R|)
 * @param iou |P∩R| / |P∪R|
 * @param hd Hausdorff distance: max of both directed maximum surface distances
 * @param hd95 95th percentile Hausdorff distance under {@link #profile}
 * @param assd mean of all surface distances of both directions (pooled)
 * @param nsd fraction of surface voxels of both masks within the tolerance of the other surface
 * @param profile the HD95 profile used
 * @param note why surface metrics are NaN, or null when both masks are present
 */
public record StructureMetrics(int id, String name, long predVoxels, long refVoxels, double dice, double iou,
        double hd, double hd95, double assd, double nsd, Hd95Profile profile, String note) {

    /** True when the prediction or the reference is empty (Dice/IoU then come from the empty-mask policy). */
    public boolean anyEmpty() {
        return predVoxels == 0 || refVoxels == 0;
    }

    /** The same values labelled with a structure id and name. */
    public StructureMetrics withStructure(int structureId, String structureName) {
        return new StructureMetrics(structureId, structureName, predVoxels, refVoxels, dice, iou, hd, hd95, assd, nsd,
                profile, note);
    }
}
