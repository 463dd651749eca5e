package dev.triplane.core.sam2;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * One ONNX graph loaded through DJL's ONNX Runtime engine: named arrays in, its outputs (graph order) out as
 * float arrays. Not thread-safe (one DJL predictor).
 */
final class OrtGraph implements AutoCloseable {

    /** Copies outputs out while the call's native tensors are alive; no batchifier (ORT cannot stack). */
    private static final class CopyTranslator implements Translator<GraphInputs, float[][]> {
        @Override
        public NDList processInput(TranslatorContext ctx, GraphInputs input) {
            return input.toNDList(ctx.getNDManager());
        }

        @Override
        public float[][] processOutput(TranslatorContext ctx, NDList list) {
            float[][] out = new float[list.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = list.get(i).toFloatArray();
            }
            return out;
        }

        @Override
        public Batchifier getBatchifier() {
            return null;
        }
    }

    private final String name;
    private final OrtSession.SessionOptions sessionOptions;
    private final Model model;
    private final Predictor<GraphInputs, float[][]> predictor;
    private long nanos;

    private OrtGraph(String name, OrtSession.SessionOptions sessionOptions, Model model) {
        this.name = name;
        this.sessionOptions = sessionOptions;
        this.model = model;
        this.predictor = model.newPredictor(new CopyTranslator());
    }

    static OrtGraph load(Path dir, String graph, String file, Sam2Options options) throws IOException {
        String stem = file.endsWith(".onnx") ? file.substring(0, file.length() - 5) : file;
        OrtSession.SessionOptions session = new OrtSession.SessionOptions();
        Model model = Model.newInstance(stem, options.cuda() ? Device.gpu(options.deviceId()) : Device.cpu(),
                "OnnxRuntime");
        try {
            if (options.intraOpThreads() > 0) {
                session.setIntraOpNumThreads(options.intraOpThreads());
            }
            if (options.interOpThreads() > 0) {
                session.setInterOpNumThreads(options.interOpThreads());
            }
            // Each graph has its own intra-op pool and the graphs run one after another with Java work between
            // them: pool threads spinning after their graph took the cores from the next graph and from the Java
            // side (measured: each graph ~1.5-2.5x slower on 2 cores, Java-side work ~5x).
            session.addConfigEntry("session.intra_op.allow_spinning", "0");
            // Each session's CPU arena keeps the largest blocks its graph ever needed, and four sessions keep four
            // such peaks (the memory cross-attention alone needs hundreds of MB at 1024 px). Without the arena a
            // run's buffers go back to the system after it: measured on SAM2.1-tiny shapes, 4 frames, 2
            // structures, peak RSS 2280 -> 1400 MiB.
            session.setCPUArenaAllocator(false);
            model.load(dir, stem, Map.of("sessionOptions", session));
            return new OrtGraph(graph, session, model);
        } catch (OrtException | MalformedModelException | IOException | RuntimeException e) {
            model.close();
            session.close();
            throw new IOException("cannot load SAM2 graph " + graph + " from " + dir.resolve(file) + ": "
                    + e.getMessage(), e);
        }
    }

    float[][] run(GraphInputs inputs) {
        long start = System.nanoTime();
        try {
            return predictor.predict(inputs);
        } catch (TranslateException e) {
            throw new IllegalStateException("SAM2 graph " + name + " failed: " + e.getMessage(), e);
        } finally {
            nanos += System.nanoTime() - start;
        }
    }

    /** Wall time spent in this graph's calls (tensor copies included). */
    long nanos() {
        return nanos;
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
        sessionOptions.close();
    }
}
