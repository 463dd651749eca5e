package dev.triplane.core.sam2;

/**
 * How {@link Sam2Model} runs its ONNX graphs: the ONNX Runtime execution provider (CPU by default, CUDA
 * selectable) and its thread pools.
 *
 * @param cuda run on the CUDA execution provider (needs the {@code onnxruntime_gpu} artifact and CUDA/cuDNN)
 * @param deviceId CUDA device index, ignored on CPU
 * @param intraOpThreads threads inside one operator, 0 for ONNX Runtime's default (one per core)
 * @param interOpThreads threads across operators, 0 for ONNX Runtime's default
 */
public record Sam2Options(boolean cuda, int deviceId, int intraOpThreads, int interOpThreads) {

    public Sam2Options {
        if (deviceId < 0 || intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("device id and thread counts must be >= 0");
        }
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
}
