package dev.triplane.core.sam2;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.util.EnumSet;

/**
 * Checks, before any graph is loaded, that ONNX Runtime can run on a CUDA device, so a worker configured for a
 * GPU it cannot use stops at startup with what is missing instead of failing in the middle of a session's
 * creation.
 */
public final class CudaRuntime {

    /**
     * What the CUDA provider of {@code onnxruntime_gpu} 1.28.0 links against (its {@code linux-x64} native
     * libraries' {@code NEEDED} entries, and cuDNN which it opens at run time).
     */
    static final String REQUIREMENTS = "CUDA 12.x (libcudart.so.12, libcublas.so.12, libcublasLt.so.12, "
            + "libcurand.so.10), cuDNN 9.x (libcudnn.so.9) and an NVIDIA driver for CUDA 12 (libcuda.so.1) on "
            + "the library path";

    private CudaRuntime() {
    }

    /**
     * Returns when ONNX Runtime's CUDA execution provider starts on {@code deviceId}'s class path and libraries.
     *
     * @throws IllegalStateException naming what is missing: ONNX Runtime's GPU build, or the CUDA/cuDNN
     *     libraries it needs
     */
    public static void require(int deviceId) {
        EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
        if (!providers.contains(OrtProvider.CUDA)) {
            throw new IllegalStateException("device cuda:" + deviceId + " needs ONNX Runtime's GPU build "
                    + "(com.microsoft.onnxruntime:onnxruntime_gpu, built in with `mvn -P gpu`); this class path "
                    + "has the CPU build (execution providers: " + providers + ")");
        }
        // the environment registers ONNX Runtime's logger, without which the provider's own error is lost
        OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.addCUDA(deviceId);
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            throw new IllegalStateException("device cuda:" + deviceId + ": ONNX Runtime's CUDA execution "
                    + "provider did not start (" + e.getMessage() + "); it needs " + REQUIREMENTS, e);
        }
    }
}
