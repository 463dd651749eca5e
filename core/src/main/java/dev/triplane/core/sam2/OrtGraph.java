package dev.triplane.core.sam2;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.io.IOException;
import java.nio.file.Path;

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
    private final ZooModel<GraphInputs, float[][]> model;
    private final Predictor<GraphInputs, float[][]> predictor;
    private long nanos;

    private OrtGraph(String name, ZooModel<GraphInputs, float[][]> model) {
        this.name = name;
        this.model = model;
        this.predictor = model.newPredictor();
    }

    static OrtGraph load(Path dir, String graph, String file, Sam2Options options) throws IOException {
        String stem = file.endsWith(".onnx") ? file.substring(0, file.length() - 5) : file;
        Criteria.Builder<GraphInputs, float[][]> criteria = Criteria.builder()
                .setTypes(GraphInputs.class, float[][].class)
                .optModelPath(dir)
                .optModelName(stem)
                .optEngine("OnnxRuntime")
                .optTranslator(new CopyTranslator())
                .optDevice(options.cuda() ? Device.gpu(options.deviceId()) : Device.cpu());
        if (options.intraOpThreads() > 0) {
            criteria.optOption("intraOpNumThreads", Integer.toString(options.intraOpThreads()));
        }
        if (options.interOpThreads() > 0) {
            criteria.optOption("interOpNumThreads", Integer.toString(options.interOpThreads()));
        }
        try {
            return new OrtGraph(graph, criteria.build().loadModel());
        } catch (ModelNotFoundException | MalformedModelException e) {
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
    }
}
