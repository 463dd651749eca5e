package dev.triplane.cli.chaos;

import dev.triplane.core.events.VolumeStatus;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a {@link ChaosRun} found, from the topics read {@code read_committed} and the bucket after the run.
 *
 * @param seed       the schedule's seed
 * @param scans      scans dropped (good and bad)
 * @param faults     faults injected per kind
 * @param outcomes   per scan: final state, events counted
 * @param orphans    objects no request accounts for
 * @param recoveries per fault: its length and the time to the affected stage's next progress
 * @param restarts   restarts the supervisor made, per process
 * @param aliveAfterStop services and broker still running after the pipeline was closed (restarted after a clean
 *                       stop)
 */
public record ChaosReport(long seed, int scans, Map<Fault, Integer> faults, List<ScanOutcome> outcomes,
                          List<String> orphans, List<Recovery> recoveries, Map<String, Integer> restarts,
                          long aliveAfterStop) {

    ChaosReport withAliveAfterStop(long alive) {
        return new ChaosReport(seed, scans, faults, outcomes, orphans, recoveries, restarts, alive);
    }

    /**
     * @param state         the scan's last status, or null when it has none
     * @param segmentations {@code SegmentationReady} events of its volume
     * @param metrics       {@code MetricsReady} events of its volume
     * @param errors        error events naming its volume or its inbox object
     */
    public record ScanOutcome(String name, boolean good, String volumeId, VolumeStatus.State state, String detail,
                              long segmentations, long metrics, long errors) {

        /** Good: one SegmentationReady, one MetricsReady, COMPLETED. Bad: one error, REJECTED or FAILED. */
        public boolean exactlyOnce() {
            return good ? segmentations == 1 && metrics == 1 && state == VolumeStatus.State.COMPLETED
                    : errors == 1 && (state == VolumeStatus.State.REJECTED || state == VolumeStatus.State.FAILED);
        }

        /** Ended COMPLETED, FAILED or REJECTED. */
        public boolean terminal() {
            return state == VolumeStatus.State.COMPLETED || state == VolumeStatus.State.FAILED
                    || state == VolumeStatus.State.REJECTED;
        }

        /** No outcome at all: a good scan without metrics and not failed, a bad one without an error. */
        public boolean lost() {
            return good ? metrics == 0 && state != VolumeStatus.State.FAILED : errors == 0;
        }

        /** More than one of what must come once (downstream events; the error of a bad scan). */
        public boolean duplicated() {
            return segmentations > 1 || metrics > 1 || (!good && errors > 1);
        }
    }

    /** @param recoveryMs from the fault's end to the stage's next record, -1 when none came */
    public record Recovery(Fault fault, String target, long lengthMs, long recoveryMs) {
    }

    public long good() {
        return outcomes.stream().filter(ScanOutcome::good).count();
    }

    public long lost() {
        return outcomes.stream().filter(ScanOutcome::lost).count();
    }

    public long duplicated() {
        return outcomes.stream().filter(ScanOutcome::duplicated).count();
    }

    /** Duplicated SegmentationReady or MetricsReady (what downstream readers see twice). */
    public long duplicatedDownstream() {
        return outcomes.stream().filter(o -> o.segmentations() > 1 || o.metrics() > 1).count();
    }

    public long terminal() {
        return outcomes.stream().filter(ScanOutcome::terminal).count();
    }

    public void print(PrintStream out) {
        long good = good();
        out.printf(Locale.ROOT, "%nchaos seed %d: %d scans (%d good, %d bad)%n", seed, scans, good, scans - good);
        out.println("faults injected: " + faults);
        out.printf(Locale.ROOT, "good scans with exactly one SegmentationReady + one MetricsReady + COMPLETED: %d/%d%n",
                outcomes.stream().filter(o -> o.good() && o.exactlyOnce()).count(), good);
        out.printf(Locale.ROOT, "bad scans with exactly one error + REJECTED/FAILED: %d/%d%n",
                outcomes.stream().filter(o -> !o.good() && o.exactlyOnce()).count(), scans - good);
        out.printf(Locale.ROOT, "terminal %d/%d, lost %d, duplicated %d (downstream %d), orphaned objects %d%n",
                terminal(), scans, lost(), duplicated(), duplicatedDownstream(), orphans.size());
        for (ScanOutcome o : outcomes) {
            if (!o.exactlyOnce()) {
                out.printf(Locale.ROOT, "  %s %s: state %s, SegmentationReady %d, MetricsReady %d, errors %d; %s%n",
                        o.name(), o.volumeId().substring(0, 12), o.state(), o.segmentations(), o.metrics(),
                        o.errors(), o.detail());
            }
        }
        orphans.forEach(k -> out.println("  orphan " + k));
        out.printf(Locale.ROOT, "%-22s %-32s %9s %11s%n", "fault", "target", "length s", "recovery s");
        for (Recovery r : recoveries) {
            out.printf(Locale.ROOT, "%-22s %-32s %9.1f %11s%n", r.fault(), r.target(), r.lengthMs() / 1e3,
                    r.recoveryMs() < 0 ? "no progress" : String.format(Locale.ROOT, "%.1f", r.recoveryMs() / 1e3));
        }
        out.println("restarts by the supervisor: " + restarts + "; processes left after the stop: " + aliveAfterStop);
        out.println("recovery = the fault's end (kill, SIGCONT, S3 back) to the next record of the affected stage's "
                + "output topic, read_committed");
    }
}
