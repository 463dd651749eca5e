package dev.triplane.core.sam2;

/**
 * Turns a CT frame in Hounsfield units into the SAM2 image-encoder input (docs/method.md §1): clip to the window
 * [lo, hi], scale to 0..255, bilinear resize to S x S, divide by 255, normalise with the ImageNet mean and
 * standard deviation, three identical channels before normalisation.
 *
 * <p>The resize matches {@code torch.nn.functional.interpolate(mode="bilinear", align_corners=False)}
 * without antialiasing: output pixel o samples source position {@code (o + 0.5) * in / S - 0.5}, clamped
 * at 0, between its two neighbours. It is written here because it is a few lines and must run on float
 * frames without a tensor library. The resize runs once on one channel; the three normalised channels are
 * derived from it.
 *
 * <p>Input: a frame {@code float[width * height]}, row-major, width fastest (as {@code AxisFrames} copies
 * them). Output: {@code float[3 * S * S]}, CHW, in a caller-owned buffer that can be reused frame after
 * frame. Source indices and weights are computed once per frame shape. Not thread-safe: the instance owns
 * scratch buffers; use one per thread.
 */
public final class FramePreprocessor {

    /** Lower end of the default HU window, as the paper uses. */
    public static final double DEFAULT_LO = -1000;
    /** Upper end of the default HU window. */
    public static final double DEFAULT_HI = 1000;

    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    private final int size;
    private final float lo;
    private final float hi;

    private int width = -1;
    private int height = -1;
    private int[] col0;
    private int[] col1;
    private float[] colWeight;
    private int[] row0;
    private int[] row1;
    private float[] rowWeight;
    private float[] windowed = new float[0];
    private float[] blendedRow = new float[0];

    /** @param size S, the model's square input size in pixels (1024 for SAM2.1) */
    public FramePreprocessor(int size) {
        this(size, DEFAULT_LO, DEFAULT_HI);
    }

    /**
     * @param size S in pixels
     * @param lo lower end of the HU window
     * @param hi upper end of the HU window, above {@code lo}
     */
    public FramePreprocessor(int size, double lo, double hi) {
        if (size <= 0) {
            throw new IllegalArgumentException("input size must be positive: " + size);
        }
        if (!(hi > lo) || Double.isInfinite(lo) || Double.isInfinite(hi)) {
            throw new IllegalArgumentException("HU window needs finite lo < hi: [" + lo + ", " + hi + "]");
        }
        this.size = size;
        this.lo = (float) lo;
        this.hi = (float) hi;
    }

    public int size() {
        return size;
    }

    /** Elements of an output tensor, {@code 3 * S * S}. */
    public int tensorLength() {
        return 3 * size * size;
    }

    /** A fresh output buffer of {@link #tensorLength()} floats. */
    public float[] newTensor() {
        return new float[tensorLength()];
    }

    /**
     * @param frame HU values, {@code width * height}, row-major
     * @param tensor output, {@code 3 * S * S}, overwritten
     */
    public void preprocess(float[] frame, int width, int height, float[] tensor) {
        if (tensor.length != tensorLength()) {
            throw new IllegalArgumentException("tensor needs " + tensorLength() + " floats, got " + tensor.length);
        }
        preprocess(frame, width, height, tensor, 0);
    }

    /**
     * Writes into one frame's place of a batch tensor.
     *
     * @param tensor output, {@code 3 * S * S} floats from {@code offset} overwritten
     */
    public void preprocess(float[] frame, int width, int height, float[] tensor, int offset) {
        if (width <= 0 || height <= 0 || frame.length != width * height) {
            throw new IllegalArgumentException("frame of " + frame.length + " values is not " + width + "x" + height);
        }
        if (offset < 0 || tensor.length - offset < tensorLength()) {
            throw new IllegalArgumentException("tensor of " + tensor.length + " floats has no " + tensorLength()
                    + " from " + offset);
        }
        plan(width, height);
        float range = hi - lo;
        for (int p = 0; p < frame.length; p++) {
            float v = Math.min(Math.max(frame[p], lo), hi);
            windowed[p] = (v - lo) / range * 255f;
        }
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            int a = row0[y] * width;
            int b = row1[y] * width;
            float wy = rowWeight[y];
            for (int x = 0; x < width; x++) {
                blendedRow[x] = (1 - wy) * windowed[a + x] + wy * windowed[b + x];
            }
            int out = offset + y * size;
            for (int x = 0; x < size; x++) {
                float wx = colWeight[x];
                float r = ((1 - wx) * blendedRow[col0[x]] + wx * blendedRow[col1[x]]) / 255f;
                tensor[out + x] = (r - MEAN[0]) / STD[0];
                tensor[plane + out + x] = (r - MEAN[1]) / STD[1];
                tensor[2 * plane + out + x] = (r - MEAN[2]) / STD[2];
            }
        }
    }

    private void plan(int width, int height) {
        if (width == this.width && height == this.height) {
            return;
        }
        col0 = new int[size];
        col1 = new int[size];
        colWeight = new float[size];
        row0 = new int[size];
        row1 = new int[size];
        rowWeight = new float[size];
        Resize.taps(width, size, col0, col1, colWeight);
        Resize.taps(height, size, row0, row1, rowWeight);
        windowed = new float[width * height];
        blendedRow = new float[width];
        this.width = width;
        this.height = height;
    }
}
