package dev.triplane.core.evaluation;

import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;

/**
 * A loaded case: the CT and its reference label map on the same grid, holding only the requested structures
 * (every other voxel is 0).
 *
 * @param id the case id
 * @param image CT in HU
 * @param reference reference structure ids, on {@code image}'s grid
 * @param header the CT's NIfTI header, the template for writing predictions on the input grid
 */
public record CaseVolumes(String id, ImageVolume image, LabelVolume reference, NiftiHeader header) {
}
