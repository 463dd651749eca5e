package dev.triplane.core.evaluation;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * PNG overlays of a case for the report: a few slices per axis of the CT in a grey window, with the contours of
 * the reference ({@link #REFERENCE_RGB}) and of the prediction ({@link #PREDICTION_RGB}, drawn over the reference
 * where both run).
 *
 * <p>Slices are taken in RAS+ voxel order ({@link Reorientation}, {@link AxisFrames}) and shown the radiological
 * way: the frame's width axis (R or A) runs right to left and its height axis (A or S) bottom to top. Each voxel
 * becomes a block of pixels sized by the voxel spacing so anisotropic slices keep their proportions, and small
 * slices are enlarged until their shorter side reaches {@link #MIN_SIDE} pixels. A contour pixel is a labelled
 * voxel with a 4-neighbour of another label or on the slice border.
 */
public final class SliceOverlays {

    public static final int REFERENCE_RGB = 0x00FF00;
    public static final int PREDICTION_RGB = 0xFF0000;
    static final int MIN_SIDE = 256;

    /**
     * A CT display window in HU.
     *
     * @param level centre of the window
     * @param width range mapped from black to white
     */
    public record Window(double level, double width) {
        public static final Window SOFT_TISSUE = new Window(40, 400);
        public static final Window BONE = new Window(400, 1800);

        public Window {
            if (!(width > 0)) {
                throw new IllegalArgumentException("window width must be positive: " + width);
            }
        }
    }

    private SliceOverlays() {
    }

    /**
     * Writes {@code slicesPerAxis} overlays per axis, {@code <prefix>-<axis>-<frame>.png} in {@code folder}, on
     * slices spread evenly over the reference's extent along that axis (the prediction's when the reference is
     * empty, the whole axis when both are).
     *
     * @param ct CT in HU; prediction and reference must lie on its grid
     * @return the files written, axial first
     */
    public static List<Path> write(Path folder, String prefix, ImageVolume ct, LabelVolume prediction,
            LabelVolume reference, int slicesPerAxis, Window window) throws IOException {
        Grid grid = ct.grid();
        if (!grid.sameGrid(prediction.grid(), NiftiImage.GRID_TOLERANCE_MM)
                || !grid.sameGrid(reference.grid(), NiftiImage.GRID_TOLERANCE_MM)) {
            throw new IllegalArgumentException("prediction and reference must lie on the CT grid " + grid);
        }
        if (slicesPerAxis < 1) {
            throw new IllegalArgumentException("slices per axis must be at least 1: " + slicesPerAxis);
        }
        Reorientation toRas = Reorientation.toRas(grid);
        Grid ras = toRas.target();
        float[] image = toRas.forward(ct.voxels());
        int[] pred = toRas.forward(prediction.labels());
        int[] ref = toRas.forward(reference.labels());
        Files.createDirectories(folder);
        List<Path> written = new ArrayList<>();
        double[] spacing = ras.spacing();
        for (Axis axis : Axis.values()) {
            AxisFrames frames = new AxisFrames(ras, axis);
            int w = frames.frameWidth();
            int h = frames.frameHeight();
            double sw = spacing[axis.widthAxis()];
            double sh = spacing[axis.heightAxis()];
            double base = Math.min(sw, sh);
            int k = (int) Math.max(1, Math.ceil(MIN_SIDE / Math.min(w * sw / base, h * sh / base)));
            int scaleX = (int) Math.max(1, Math.round(k * sw / base));
            int scaleY = (int) Math.max(1, Math.round(k * sh / base));
            float[] ctFrame = new float[frames.frameSize()];
            int[] predFrame = new int[frames.frameSize()];
            int[] refFrame = new int[frames.frameSize()];
            for (int t : slices(frames, ref, pred, slicesPerAxis)) {
                frames.copyFrame(image, t, ctFrame);
                frames.copyFrame(pred, t, predFrame);
                frames.copyFrame(ref, t, refFrame);
                Path file = folder.resolve(prefix + "-" + axis.id() + "-" + t + ".png");
                ImageIO.write(render(ctFrame, predFrame, refFrame, w, h, scaleX, scaleY, window), "png",
                        file.toFile());
                written.add(file);
            }
        }
        return written;
    }

    /**
     * One slice as an RGB image of {@code w * scaleX} x {@code h * scaleY} pixels; frame pixel (x, y) fills the
     * block at column {@code (w - 1 - x) * scaleX}, row {@code (h - 1 - y) * scaleY}.
     */
    static BufferedImage render(float[] ct, int[] pred, int[] ref, int w, int h, int scaleX, int scaleY,
            Window window) {
        int width = w * scaleX;
        int[] rgb = new int[width * h * scaleY];
        double low = window.level() - window.width() / 2;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = x + w * y;
                int colour;
                if (isContour(pred, p, x, y, w, h)) {
                    colour = PREDICTION_RGB;
                } else if (isContour(ref, p, x, y, w, h)) {
                    colour = REFERENCE_RGB;
                } else {
                    int g = (int) Math.round(Math.min(1, Math.max(0, (ct[p] - low) / window.width())) * 255);
                    colour = g << 16 | g << 8 | g;
                }
                int row0 = (h - 1 - y) * scaleY;
                int col0 = (w - 1 - x) * scaleX;
                for (int r = row0; r < row0 + scaleY; r++) {
                    int offset = r * width + col0;
                    for (int c = 0; c < scaleX; c++) {
                        rgb[offset + c] = colour;
                    }
                }
            }
        }
        BufferedImage out = new BufferedImage(width, h * scaleY, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, width, h * scaleY, rgb, 0, width);
        return out;
    }

    private static boolean isContour(int[] labels, int p, int x, int y, int w, int h) {
        int v = labels[p];
        if (v == 0) {
            return false;
        }
        return x == 0 || y == 0 || x == w - 1 || y == h - 1 || labels[p - 1] != v || labels[p + 1] != v
                || labels[p - w] != v || labels[p + w] != v;
    }

    /** Frames spread evenly over the labelled extent of {@code ref} (else {@code pred}, else the whole axis). */
    private static TreeSet<Integer> slices(AxisFrames frames, int[] ref, int[] pred, int count) {
        int[] extent = extent(frames, ref);
        if (extent == null) {
            extent = extent(frames, pred);
        }
        int first = extent == null ? 0 : extent[0];
        int last = extent == null ? frames.frameCount() - 1 : extent[1];
        TreeSet<Integer> out = new TreeSet<>();
        for (int s = 0; s < count; s++) {
            out.add(first + (int) Math.round((last - first) * (s + 1.0) / (count + 1)));
        }
        return out;
    }

    /** First and last frame holding a label, or null when there is none. */
    private static int[] extent(AxisFrames frames, int[] labels) {
        int[] frame = new int[frames.frameSize()];
        int first = -1;
        int last = -1;
        for (int t = 0; t < frames.frameCount(); t++) {
            frames.copyFrame(labels, t, frame);
            for (int v : frame) {
                if (v != 0) {
                    first = first < 0 ? t : first;
                    last = t;
                    break;
                }
            }
        }
        return first < 0 ? null : new int[] {first, last};
    }
}
