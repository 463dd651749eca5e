package dev.triplane.infra.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.events.Stage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class JobMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final JobMeters jobs = new JobMeters(registry);

    @Test
    void aJobIsActiveWhileOpenAndTimedUnderItsOutcome() {
        try (JobMeters.Job job = jobs.start(Stage.METRICS)) {
            assertThat(active(Stage.METRICS)).isEqualTo(1.0);
            job.outcome("MEASURED");
        }
        try (JobMeters.Job job = jobs.start(Stage.METRICS)) {
            job.outcome("MEASURED");
        }

        assertThat(active(Stage.METRICS)).isZero();
        assertThat(registry.get(JobMeters.DURATION).tag("stage", "METRICS").tag("outcome", "MEASURED").timer()
                .count()).isEqualTo(2);
    }

    @Test
    void aJobEndedByAnExceptionCountsAsFailed() {
        assertThatThrownBy(() -> {
            try (JobMeters.Job job = jobs.start(Stage.INGEST)) {
                throw new IllegalStateException("store down");
            }
        }).hasMessage("store down");

        assertThat(registry.get(JobMeters.DURATION).tag("stage", "INGEST").tag("outcome", JobMeters.FAILED).timer()
                .count()).isEqualTo(1);
        assertThat(active(Stage.INGEST)).isZero();
    }

    private double active(Stage stage) {
        return registry.get(JobMeters.ACTIVE).tag("stage", stage.name()).gauge().value();
    }
}
