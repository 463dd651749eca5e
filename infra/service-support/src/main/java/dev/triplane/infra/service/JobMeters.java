package dev.triplane.infra.service;

import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one convention for job metrics across services, so a dashboard reads every stage alike:
 * <ul>
 *   <li>timer {@value #DURATION} ({@code triplane_job_duration_seconds} in Prometheus, with a histogram) tagged
 *       {@code stage} ({@link Stage} name) and {@code outcome} (a stable upper-case word of the service:
 *       {@code ACCEPTED}, {@code REJECTED}, ..., {@value #FAILED} for a job that ended by an exception);</li>
 *   <li>gauge {@value #ACTIVE} ({@code triplane_jobs_active}) tagged {@code stage}: jobs running now;</li>
 *   <li>counter {@value #ERRORS} ({@code triplane_errors_total}) tagged {@code stage} and {@code reason}
 *       ({@link dev.triplane.core.events.Reason} name): error events published ({@link #error}).</li>
 * </ul>
 * A job is a {@link Job} opened by {@link #start} and closed in try-with-resources after naming its outcome.
 */
public class JobMeters {

    public static final String DURATION = "triplane.job.duration";
    public static final String ACTIVE = "triplane.jobs.active";
    public static final String ERRORS = "triplane.errors";
    /** Outcome of a job closed without one: it ended by an exception. */
    public static final String FAILED = "FAILED";

    private final MeterRegistry registry;
    private final Map<Stage, AtomicInteger> active = new ConcurrentHashMap<>();

    public JobMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Starts timing one job of the stage and counts it as active until it is closed. */
    public Job start(Stage stage) {
        AtomicInteger running = active.computeIfAbsent(stage, s -> {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder(ACTIVE, count, AtomicInteger::get).description("jobs running now")
                    .tag("stage", s.name()).register(registry);
            return count;
        });
        running.incrementAndGet();
        return new Job(stage, running, Timer.start(registry));
    }

    /** Counts one published error event under its stage and reason. */
    public void error(ErrorEvent event) {
        Counter.builder(ERRORS).description("error events published, by stage and reason")
                .tag("stage", event.stage().name()).tag("reason", event.reason().name()).register(registry)
                .increment();
    }

    /** One running job; not thread-safe (one thread runs a job). */
    public final class Job implements AutoCloseable {

        private final Stage stage;
        private final AtomicInteger running;
        private final Timer.Sample sample;
        private String outcome = FAILED;
        private boolean closed;

        private Job(Stage stage, AtomicInteger running, Timer.Sample sample) {
            this.stage = stage;
            this.running = running;
            this.sample = sample;
        }

        /** Names how the job ended; the last call wins. */
        public void outcome(String outcome) {
            this.outcome = outcome;
        }

        /** Records the duration under the outcome ({@value #FAILED} if none was named); a second close is ignored. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            running.decrementAndGet();
            sample.stop(Timer.builder(DURATION).description("duration of a job, by stage and outcome")
                    .tag("stage", stage.name()).tag("outcome", outcome).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofHours(1))
                    .register(registry));
        }
    }
}
