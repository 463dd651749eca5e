package dev.triplane.core.sam2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import org.junit.jupiter.api.Test;

/**
 * Asking for CUDA where it cannot run must say what is missing, never crash: on the default (CPU) build the
 * missing GPU build; on the {@code -P gpu} build without CUDA libraries, the libraries it needs.
 */
class CudaRuntimeTest {

    private static final boolean GPU_BUILD = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);

    @Test
    void cudaNamesWhatIsMissing() {
        Throwable thrown = catchThrowable(() -> CudaRuntime.require(0));
        assumeFalse(GPU_BUILD && thrown == null, "CUDA runs here");
        assertThat(thrown)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cuda:0")
                .hasMessageContaining(GPU_BUILD ? "CUDA 12.x" : "onnxruntime_gpu")
                .hasMessageContaining(GPU_BUILD ? "cuDNN 9.x" : "mvn -P gpu");
    }

    @Test
    void loadingAModelOnCudaFailsBeforeAnyGraph() {
        Throwable thrown = catchThrowable(() -> Sam2Model.load(Sam2ParityTest.MODEL, Sam2Options.cuda(1)));
        assumeFalse(GPU_BUILD && thrown == null, "CUDA runs here");
        assertThat(thrown)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cuda:1")
                .hasMessageContaining(GPU_BUILD ? "CUDA 12.x" : "onnxruntime_gpu");
    }
}
