package dev.triplane.core.dicom;

import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.ParallelRanges;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One CT series as a volume: its instances sorted along the slice normal and the grid they span. Voxel
 * {@code (i, j, k)} is column {@code i}, row {@code j} of the {@code k}-th slice, so the affine is the one
 * nibabel and dcm2niix derive from ImagePositionPatient, ImageOrientationPatient and PixelSpacing, turned from
 * DICOM's LPS to RAS+. Values are the stored pixels with each slice's RescaleSlope/RescaleIntercept applied (in
 * double, then float32): Hounsfield units, as {@link dev.triplane.core.nifti.NiftiImage#toImageVolume()} gives
 * a NIfTI CT.
 */
public final class DicomSeries {

    private final String object;
    private final Grid grid;
    private final List<DicomInstance> slices;
    private final double[] slopes;
    private final double[] intercepts;
    private final List<String> ignored;

    DicomSeries(String object, Grid grid, List<DicomInstance> slices, double[] slopes, double[] intercepts,
            List<String> ignored) {
        this.object = object;
        this.grid = grid;
        this.slices = List.copyOf(slices);
        this.slopes = slopes;
        this.intercepts = intercepts;
        this.ignored = List.copyOf(ignored);
    }

    /** The directory, file or object prefix the series was read from. */
    public String object() {
        return object;
    }

    /** Columns x rows x slices, spacing (column, row, slice) in mm and the RAS+ affine. */
    public Grid grid() {
        return grid;
    }

    /** The instances in slice order (k = 0 first). */
    public List<DicomInstance> slices() {
        return slices;
    }

    /** Files in the input that are not DICOM Part 10 images (other files, a DICOMDIR), skipped. */
    public List<String> ignored() {
        return ignored;
    }

    public String seriesInstanceUid() {
        return first().string(DicomTag.SERIES_INSTANCE_UID);
    }

    public String studyInstanceUid() {
        return first().string(DicomTag.STUDY_INSTANCE_UID);
    }

    public String frameOfReferenceUid() {
        return first().string(DicomTag.FRAME_OF_REFERENCE_UID);
    }

    public String modality() {
        return first().string(DicomTag.MODALITY);
    }

    /** The transfer syntax UIDs of the files, in slice order of first use. */
    public Set<String> transferSyntaxes() {
        Set<String> uids = new LinkedHashSet<>();
        for (DicomInstance s : slices) {
            uids.add(s.syntax().uid());
        }
        return uids;
    }

    /** The attributes of the first slice (those every slice shares: UIDs, size, orientation, spacing). */
    public DicomAttributes first() {
        return slices.get(0).attributes();
    }

    /** RescaleSlope of slice k (1 when absent). */
    public double slope(int k) {
        return slopes[k];
    }

    /** RescaleIntercept of slice k (0 when absent). */
    public double intercept(int k) {
        return intercepts[k];
    }

    /**
     * The rescaled values as float32 on {@link #grid()}; always finite (the reader refuses a slope or intercept
     * that could carry a 16-bit value beyond float32).
     */
    public ImageVolume toImageVolume() {
        float[] out = new float[grid.voxelCount()];
        int slice = grid.nx() * grid.ny();
        ParallelRanges.forEach(grid.nz(), (from, to) -> {
            for (int k = from; k < to; k++) {
                DicomInstance s = slices.get(k);
                short[] v = s.pixels();
                double slope = slopes[k];
                double inter = intercepts[k];
                int base = k * slice;
                if (s.unsignedPixels()) {
                    for (int p = 0; p < slice; p++) {
                        out[base + p] = (float) ((v[p] & 0xFFFF) * slope + inter);
                    }
                } else {
                    for (int p = 0; p < slice; p++) {
                        out[base + p] = (float) (v[p] * slope + inter);
                    }
                }
            }
        });
        return new ImageVolume(grid, out);
    }
}
