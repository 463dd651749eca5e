package dev.triplane.core.synthetic;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * A small CT-like scan with reference labels, made in memory: a 48 x 40 x 24 grid in the LPS orientation CT
 * scanners write (0.75 x 0.75 x 2.5 mm: values a float holds exactly), an elliptic body of soft tissue in air,
 * and three structures inside it (spleen 1, kidney_right 2 and liver 5 of the TotalSegmentator table) a few HU
 * brighter than the tissue. Services run their steps on it at startup, so that the first real scan does not pay
 * for loading and compiling them.
 */
public final class SyntheticScan {

    /** The structure ids the labels hold. */
    public static final int[] STRUCTURES = {1, 2, 5};
    /** The logit {@link #logits} gives voxels inside a structure; outside, its negation. */
    public static final float INSIDE_LOGIT = 8f;

    private static final Grid GRID = new Grid(48, 40, 24, new double[] {0.75, 0.75, 2.5},
            new double[] {-0.75, 0, 0, 18, 0, -0.75, 0, 15, 0, 0, 2.5, -30, 0, 0, 0, 1});

    private final ImageVolume image;
    private final LabelVolume labels;
    private final byte[] imageNifti;
    private final byte[] labelsNifti;

    private SyntheticScan(ImageVolume image, LabelVolume labels) {
        this.image = image;
        this.labels = labels;
        NiftiHeader header = NiftiHeader.forGrid(GRID);
        this.imageNifti = gzipNifti(out -> NiftiWriter.write(out, "synthetic image", image, header, true));
        this.labelsNifti = gzipNifti(out -> NiftiWriter.write(out, "synthetic labels", labels, header, true));
    }

    public static SyntheticScan create() {
        float[] hu = new float[GRID.voxelCount()];
        int[] ids = new int[GRID.voxelCount()];
        for (int k = 0; k < GRID.nz(); k++) {
            for (int j = 0; j < GRID.ny(); j++) {
                for (int i = 0; i < GRID.nx(); i++) {
                    int v = GRID.index(i, j, k);
                    double x = (i - 23.5) / 22;
                    double y = (j - 19.5) / 17;
                    ids[v] = structureAt(i, j, k);
                    hu[v] = ids[v] != 0 ? 55 + 5 * ids[v] : x * x + y * y < 1 ? 40 : -1000;
                }
            }
        }
        return new SyntheticScan(new ImageVolume(GRID, hu), new LabelVolume(GRID, ids));
    }

    private static int structureAt(int i, int j, int k) {
        double lx = (i - 14) / 9.0;
        double ly = (j - 18) / 8.0;
        double lz = (k - 12) / 7.0;
        if (lx * lx + ly * ly + lz * lz < 1) {
            return 5;
        }
        if (i >= 30 && i <= 37 && j >= 12 && j <= 18 && k >= 6 && k <= 15) {
            return 1;
        }
        double kx = (i - 32) / 3.5;
        double ky = (j - 27) / 3.5;
        return kx * kx + ky * ky < 1 && k >= 4 && k <= 11 ? 2 : 0;
    }

    public ImageVolume image() {
        return image;
    }

    public LabelVolume labels() {
        return labels;
    }

    /** The image as a gzip NIfTI file (float32). */
    public byte[] imageNifti() {
        return imageNifti.clone();
    }

    /** The labels as a gzip NIfTI file. */
    public byte[] labelsNifti() {
        return labelsNifti.clone();
    }

    private interface NiftiWrite {
        void to(OutputStream out) throws IOException;
    }

    private static byte[] gzipNifti(NiftiWrite write) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write.to(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        return out.toByteArray();
    }

    /**
     * Logits of every structure propagated along {@code axis} that agree with the labels, as an axis job would
     * store them: on the RAS+ grid, {@link #INSIDE_LOGIT} inside the structure and its negation outside, on the
     * frames from the structure's first to its last slice.
     */
    public LogitVolume logits(Axis axis) {
        Reorientation toRas = Reorientation.toRas(GRID);
        int[] ras = toRas.forward(labels.labels());
        AxisFrames frames = new AxisFrames(toRas.target(), axis);
        int frameCount = frames.frameCount();
        int[] labelFrame = new int[frames.frameSize()];
        float[] logits = new float[labelFrame.length];
        int[] firsts = new int[STRUCTURES.length];
        int[] lasts = new int[STRUCTURES.length];
        for (int s = 0; s < STRUCTURES.length; s++) {
            firsts[s] = frameCount;
            lasts[s] = -1;
            for (int t = 0; t < frameCount; t++) {
                frames.copyFrame(ras, t, labelFrame);
                for (int id : labelFrame) {
                    if (id == STRUCTURES[s]) {
                        firsts[s] = Math.min(firsts[s], t);
                        lasts[s] = t;
                        break;
                    }
                }
            }
        }
        LogitVolume volume = new LogitVolume(toRas.target(), axis, STRUCTURES, firsts, lasts);
        for (int s = 0; s < STRUCTURES.length; s++) {
            for (int t = firsts[s]; t <= lasts[s]; t++) {
                frames.copyFrame(ras, t, labelFrame);
                for (int p = 0; p < labelFrame.length; p++) {
                    logits[p] = labelFrame[p] == STRUCTURES[s] ? INSIDE_LOGIT : -INSIDE_LOGIT;
                }
                volume.putFrame(s, t, logits);
            }
        }
        return volume;
    }
}
