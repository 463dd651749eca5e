package dev.triplane.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.sam2.Sam2Options;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Device and encoding names, the job duration and renewal interval. */
class WorkerPropertiesTest {

    private static WorkerProperties with(String device, int threads, String encoding, Duration maxJob) {
        return with(device, threads, encoding, maxJob, 3);
    }

    private static WorkerProperties with(String device, int threads, String encoding, Duration maxJob,
            int maxAttempts) {
        return with(device, threads, 1, encoding, maxJob, maxAttempts);
    }

    private static WorkerProperties with(String device, int threads, int encoderBatch, String encoding,
            Duration maxJob, int maxAttempts) {
        return new WorkerProperties("models", null, device, threads, encoderBatch, encoding, maxJob,
                Duration.ofSeconds(2), 2, List.of(), null, maxAttempts, Duration.ofSeconds(10));
    }

    @Test
    void devicesMapToEngineOptions() {
        assertThat(with("cpu", 0, "float16", Duration.ofMinutes(30)).sam2Options()).isEqualTo(Sam2Options.cpu());
        assertThat(with("cpu", 3, "float16", Duration.ofMinutes(30)).sam2Options()).isEqualTo(Sam2Options.cpu(3));
        assertThat(with("cuda:1", 4, "float16", Duration.ofMinutes(30)).sam2Options())
                .isEqualTo(new Sam2Options(true, 1, 4, 0));
        assertThatThrownBy(() -> with("gpu", 0, "float16", Duration.ofMinutes(30)))
                .hasMessageContaining("triplane.worker.device");
    }

    @Test
    void theEncoderBatchReachesTheEngine() {
        assertThat(with("cpu", 2, 4, "float16", Duration.ofMinutes(30), 3).sam2Options())
                .isEqualTo(Sam2Options.cpu(2).withEncoderBatch(4));
        assertThat(with("cpu", 0, "float16", Duration.ofMinutes(30)).sam2Options().encoderBatch()).isEqualTo(1);
        assertThatThrownBy(() -> with("cpu", 0, 0, "float16", Duration.ofMinutes(30), 3))
                .hasMessageContaining("encoder-batch");
    }

    @Test
    void encodingAndCacheDefaults() {
        WorkerProperties p = with("cpu", 0, "int8", Duration.ofMinutes(30));
        assertThat(p.encoding()).isEqualTo(LogitVolumeCodec.Encoding.INT8);
        assertThat(p.modelCacheFolder()).hasFileName("triplane-models");
        assertThatThrownBy(() -> with("cpu", 0, "int4", Duration.ofMinutes(30)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aJobMayRunForSomeTime() {
        assertThat(with("cpu", 0, "float16", Duration.ofHours(2)).maxJobDuration()).isEqualTo(Duration.ofHours(2));
        assertThatThrownBy(() -> with("cpu", 0, "float16", Duration.ZERO))
                .hasMessageContaining("max-job-duration");
    }

    @Test
    void renewalsComeBeforeTheLockLapsesAndAJobAcquiredDuringOneIsRunBeforeItsOwnLapses() {
        WorkerProperties defaults = new WorkerProperties("models", null, "cpu", 0, 1, "float16", Duration.ofMinutes(30),
                Duration.ofSeconds(2), 2, List.of(), null, 3, Duration.ofMinutes(20));
        // the defaults against the layout's lock of 30 min
        assertThat(defaults.renewalProblem(Duration.ofMinutes(30))).isEmpty();
        assertThat(defaults.renewalProblem(Duration.ofMinutes(20))).get().asString().contains("renew-interval");
        // renewals every 10 s under a 12 s lock: a job acquired by the first renewal lapses at 22 s
        assertThat(with("cpu", 0, "float16", Duration.ofSeconds(22)).renewalProblem(Duration.ofSeconds(12)))
                .isEmpty();
        assertThat(with("cpu", 0, "float16", Duration.ofSeconds(23)).renewalProblem(Duration.ofSeconds(12))).get()
                .asString().contains("max-job-duration");
    }

    @Test
    void aJobIsTriedAtLeastOnce() {
        assertThat(with("cpu", 0, "float16", Duration.ofMinutes(30), 1).maxAttempts()).isEqualTo(1);
        assertThatThrownBy(() -> with("cpu", 0, "float16", Duration.ofMinutes(30), 0))
                .hasMessageContaining("max-attempts");
    }
}
