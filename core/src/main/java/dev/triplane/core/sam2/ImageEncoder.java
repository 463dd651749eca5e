package dev.triplane.core.sam2;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The {@code image_encoder} graph (SAM2Base.forward_image), one frame or a batch of frames per run. Counts the
 * frames it encodes so callers can check that one encoding serves every structure of a frame. Not thread-safe.
 */
public final class ImageEncoder {

    /**
     * One frame's encoder outputs, all NCHW float32 with N = 1.
     *
     * @param visionFeatures raw backbone feature [1, C, F, F]
     * @param visionPosEnc its sine position encoding [1, C, F, F]
     * @param highResFeat0 [1, C0, S/4, S/4] after conv_s0
     * @param highResFeat1 [1, C1, S/8, S/8] after conv_s1
     */
    public record Features(float[] visionFeatures, float[] visionPosEnc, float[] highResFeat0,
            float[] highResFeat1) {
    }

    /** Writes frame {@code t}'s preprocessed tensor [3, S, S] into {@code into} from {@code offset}. */
    @FunctionalInterface
    public interface FrameTensors {
        void write(int t, float[] into, int offset);
    }

    private final OrtGraph graph;
    private final String image;
    private final int size;
    private final int batch;
    private long runs;

    ImageEncoder(OrtGraph graph, Sam2Config config, int batch) {
        this.graph = graph;
        List<String> in = config.inputs("image_encoder");
        this.image = in.get(0);
        this.size = config.imageSize();
        this.batch = batch;
    }

    /** @param tensor preprocessed frame [1, 3, S, S] (see {@link FramePreprocessor}) */
    public Features encode(float[] tensor) {
        return encode(tensor, 1)[0];
    }

    /**
     * Encodes {@code frames} frames in one run (the model's image encoder must have a dynamic batch axis when
     * {@code frames > 1}).
     *
     * @param tensors preprocessed frames [frames, 3, S, S]
     */
    public Features[] encode(float[] tensors, int frames) {
        int per = 3 * size * size;
        if (frames < 1 || tensors.length != frames * per) {
            throw new IllegalArgumentException(frames + " images need " + frames + "x3x" + size + "x" + size
                    + " floats, got " + tensors.length);
        }
        float[][] out = graph.run(new GraphInputs().floats(image, tensors, frames, 3, size, size));
        runs += frames;
        Features[] features = new Features[frames];
        if (frames == 1) {
            features[0] = new Features(out[0], out[1], out[2], out[3]);
            return features;
        }
        for (int f = 0; f < frames; f++) {
            features[f] = new Features(slice(out[0], f, frames), slice(out[1], f, frames), slice(out[2], f, frames),
                    slice(out[3], f, frames));
        }
        return features;
    }

    private static float[] slice(float[] batched, int frame, int frames) {
        int per = batched.length / frames;
        return Arrays.copyOfRange(batched, frame * per, (frame + 1) * per);
    }

    /** Frames encoded since this model was loaded. */
    public long runs() {
        return runs;
    }

    /** Frames per run of a {@link Lookahead} ({@link Sam2Options#encoderBatch()}). */
    public int batch() {
        return batch;
    }

    /** Encodes one video's frames {@link #batch()} at a time, reading them from {@code frames}. */
    public Lookahead lookahead(FrameTensors frames) {
        return new Lookahead(frames);
    }

    /**
     * One video's frames encoded in the order a pass asks for them: asked for a frame it does not hold, it
     * encodes that frame together with the next ones the caller says it will ask for (up to {@link #batch()}
     * in all) in one run, and holds those until asked. A frame asked out of that order drops what is held, so
     * a wrong guess costs encoder time, never a wrong output. Not thread-safe.
     */
    public final class Lookahead {
        private final FrameTensors frames;
        private final float[] tensors;
        private final Map<Integer, Features> held = new HashMap<>();

        private Lookahead(FrameTensors frames) {
            this.frames = frames;
            this.tensors = new float[batch * 3 * size * size];
        }

        /**
         * @param t the frame wanted now
         * @param next the frames the caller will ask for after {@code t}, in order (at most {@code batch - 1}
         *     are read, lazily)
         */
        public Features features(int t, IntStream next) {
            Features f = held.remove(t);
            if (f != null) {
                return f;
            }
            held.clear();
            int[] ts = IntStream.concat(IntStream.of(t), next).limit(batch).toArray();
            int per = 3 * size * size;
            for (int k = 0; k < ts.length; k++) {
                frames.write(ts[k], tensors, k * per);
            }
            Features[] out = encode(ts.length == batch ? tensors : Arrays.copyOf(tensors, ts.length * per),
                    ts.length);
            for (int k = 1; k < ts.length; k++) {
                held.put(ts[k], out[k]);
            }
            return out[0];
        }
    }
}
