package dev.triplane.core.sam2;

/**
 * How {@link Sam2Model} runs its ONNX graphs: the ONNX Runtime execution provider (CPU by default, CUDA
 * selectable), its thread pools, and how many frames the image encoder takes per run.
 *
 * @param cuda run on the CUDA execution provider (needs the {@code onnxruntime_gpu} artifact and CUDA/cuDNN)
 * @param deviceId CUDA device index, ignored on CPU
 * @param intraOpThreads threads inside one operator, 0 for ONNX Runtime's default (one per core)
 * @param interOpThreads threads across operators, 0 for ONNX Runtime's default
 * @param encoderBatch frames per image-encoder run (>= 1): frames of a pass are independent before memory
 *     attention, so the engine encodes this many ahead at once; above 1 the model's image encoder needs a
 *     dynamic batch axis (exports since the batch axis was added), and each frame held ahead costs its features
 */
public record Sam2Options(boolean cuda, int deviceId, int intraOpThreads, int interOpThreads, int encoderBatch) {

    public Sam2Options {
        if (deviceId < 0 || intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("device id and thread counts must be >= 0");
        }
        if (encoderBatch < 1) {
            throw new IllegalArgumentException("encoder batch must be >= 1, got " + encoderBatch);
        }
    }

    /** One frame per image-encoder run. */
    public Sam2Options(boolean cuda, int deviceId, int intraOpThreads, int interOpThreads) {
        this(cuda, deviceId, intraOpThreads, interOpThreads, 1);
    }

    /** CPU with ONNX Runtime's default thread pools. */
    public static Sam2Options cpu() {
        return new Sam2Options(false, 0, 0, 0);
    }

    /** CPU with {@code threads} intra-op threads and one inter-op thread. */
    public static Sam2Options cpu(int threads) {
        return new Sam2Options(false, 0, threads, 1);
    }

    /** The CUDA execution provider on device {@code deviceId}. */
    public static Sam2Options cuda(int deviceId) {
        return new Sam2Options(true, deviceId, 0, 0);
    }

    /** These options with {@code frames} frames per image-encoder run. */
    public Sam2Options withEncoderBatch(int frames) {
        return new Sam2Options(cuda, deviceId, intraOpThreads, interOpThreads, frames);
    }
}
