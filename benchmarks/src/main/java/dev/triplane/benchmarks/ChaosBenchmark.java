package dev.triplane.benchmarks;

import dev.triplane.cli.chaos.ChaosReport;
import dev.triplane.cli.chaos.ChaosRun;
import dev.triplane.cli.stack.ModelChoice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code benchmarks/run chaos [scans] [seed] [rounds]}: a {@link ChaosRun} on a local pipeline with two
 * axis-workers and the committed micro model: {@code scans} good synthetic scans (default 20) and three bad ones,
 * each fault kind {@code rounds} times (default 1) in the order of {@code seed} (default 1), a 30 s S3 outage and
 * 10 s pauses; it prints the {@link ChaosReport} and exits with 1 when a scan was lost or duplicated, ended
 * non-terminal, or an object is orphaned. Loopback only; stops by itself (at most 15 minutes of waiting for the
 * scans to end after the schedule).
 */
public final class ChaosBenchmark {

    private ChaosBenchmark() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int scans = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Path root = Path.of("").toAbsolutePath();
        Path data = Files.createTempDirectory("triplane-chaos");
        long start = System.nanoTime();
        ChaosReport report = ChaosRun.run(new ChaosRun.Settings(root, data, ModelChoice.of(root, null), scans, seed,
                rounds, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(15), Duration.ofSeconds(1)),
                System.out);
        report.print(System.out);
        System.out.printf("whole run %.0f s; stack, logs and fault points under %s%n",
                (System.nanoTime() - start) / 1e9, data);
        boolean met = report.lost() == 0 && report.duplicated() == 0 && report.orphans().isEmpty()
                && report.terminal() == report.scans();
        System.exit(met ? 0 : 1);
    }
}
