package dev.triplane.benchmarks;

import dev.triplane.cli.pipeline.Outcome;
import dev.triplane.cli.pipeline.PipelineClient;
import dev.triplane.cli.pipeline.Submission;
import dev.triplane.cli.pipeline.Submitted;
import dev.triplane.cli.stack.LaunchSettings;
import dev.triplane.cli.stack.ModelChoice;
import dev.triplane.cli.stack.RunningService;
import dev.triplane.cli.stack.Service;
import dev.triplane.cli.stack.ServiceLauncher;
import dev.triplane.cli.stack.StackInfo;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.synthetic.ClinicalPhantom;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.TopicReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One clinical-size case through the whole local pipeline on the services' default heaps (issue 12): a
 * {@link ClinicalPhantom} of the given shape and structure count is written to a temporary folder, a local stack
 * and one instance of each service are started from their jars, the case is uploaded with its labels for every
 * structure ({@code present}) and followed until its metrics, a FAILED or REJECTED status, or the timeout.
 *
 * <p>It prints, per service, the heap limit, the peak heap before and after a collection (from the GC log
 * every local service writes) and the peak resident set (VmHWM of {@code /proc/<pid>/status}, read just before
 * the services stop); per stage the time the service itself recorded ({@code triplane_job_duration_seconds} on
 * {@code /actuator/prometheus}, the part added by this request) and each axis job's load, compute and store;
 * the stored logit bytes per voxel (the three {@code logits/...} objects on the S3 server's disk over the voxel
 * count); and the end-to-end time (upload to metrics event). It exits non-zero when the request fails, times out,
 * or a service has logged an {@link OutOfMemoryError} and not ended the request within two minutes (Kafka Streams
 * retries a record that fails this way for ever). Arguments: {@code [structures] [shape] [timeout]}, defaults
 * {@code 117 512x512x300 PT1H}. Run from the repository root through {@code benchmarks/run scale}.
 */
public final class ScaleBenchmark {

    private static final long SEED = 12;
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    /** How long a request may go on after a service logged an OutOfMemoryError, to end in FAILED by itself. */
    private static final Duration OOM_GRACE = Duration.ofMinutes(2);
    private static final Duration WATCH_INTERVAL = Duration.ofSeconds(5);
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(30);
    /** {@code -Xlog:gc} pause lines: heap used before and after, and the heap's size, e.g. 812M->95M(2048M). */
    private static final Pattern GC_PAUSE = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");
    private static final Pattern JOB_DURATION = Pattern.compile(
            "^triplane_job_duration_seconds_(sum|count)\\{(.*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final double MIB = 1024.0 * 1024.0;

    private ScaleBenchmark() {
    }

    /** The time one stage's jobs took, as its service recorded them; outcome name -> {jobs, seconds}. */
    private record StageJobs(Map<String, double[]> byOutcome) {

        double seconds() {
            return byOutcome.values().stream().mapToDouble(v -> v[1]).sum();
        }

        String describe() {
            StringBuilder s = new StringBuilder();
            byOutcome.forEach((outcome, v) -> s.append(s.isEmpty() ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%.0f %s", v[0], outcome)));
            return s.toString();
        }
    }

    /** A service's memory: heap figures in MiB from its GC log, VmHWM in MiB, NaN where unknown. */
    private record Memory(String name, String heapLimit, double peakBefore, double peakAfter, double heapSize,
                          int collections, double hwm) {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int structures = args.length > 0 ? Integer.parseInt(args[0]) : 117;
        int[] shape = parseShape(args.length > 1 ? args[1] : "512x512x300");
        Duration timeout = args.length > 2 ? Duration.parse(args[2]) : Duration.ofHours(1);
        Path root = Path.of("").toAbsolutePath();
        ModelChoice model = ModelChoice.of(root, null);
        Path data = Files.createTempDirectory("triplane-scale-bench");
        Path image = data.resolve("phantom.nii.gz");
        Path labels = data.resolve("phantom_seg.nii.gz");
        long voxels = (long) shape[0] * shape[1] * shape[2];
        System.out.printf(Locale.ROOT, "Scale benchmark: a %dx%dx%d CT phantom (LPS, 0.8 x 0.8 x 2.5 mm, int16) with "
                + "%d structures through the local pipeline on default heaps, one axis-worker, %d CPU cores%n%s%n"
                + "phantom, stack and logs under %s%n", shape[0], shape[1], shape[2], structures,
                Runtime.getRuntime().availableProcessors(), model.describe(), data);
        writePhantom(shape, structures, image, labels);

        String tag = "scale-" + UUID.randomUUID().toString().substring(0, 8);
        LaunchSettings settings = new LaunchSettings(root, data.resolve("run"), model, tag);
        List<Memory> memory = new ArrayList<>();
        Map<String, StageJobs> stages = new TreeMap<>();
        List<AxisResult> axisResults;
        Map<String, Long> logitBytes = new LinkedHashMap<>();
        String failure;
        double ingestAnswer;
        double endToEnd = Double.NaN;
        try (LocalStack stack = LocalStack.start(data.resolve("stack"))) {
            List<RunningService> running;
            Map<RunningService, Double> hwm = new LinkedHashMap<>();
            String volumeId;
            String requestId;
            System.out.println("starting the services ...");
            try (ServiceLauncher services = ServiceLauncher.start(Service.pipeline(1), stack.serviceProperties(),
                    settings, READY_TIMEOUT)) {
                running = services.running();
                Map<String, StageJobs> before = jobDurations(running);
                PipelineClient client = new PipelineClient(new StackInfo(stack.kafka(), stack.s3(),
                        stack.bucket(), stack.bucketFolder().toString(), services.get(Service.INGEST).url(),
                        services.ingestToken(), Map.of(), Map.of()));
                long start = System.nanoTime();
                Submitted submitted = client.submit(new Submission(image, labels, null, "present", null, null, tag,
                        null, null, null, null));
                ingestAnswer = (System.nanoTime() - start) / 1e9;
                if (!"ACCEPTED".equals(submitted.outcome())) {
                    throw new IllegalStateException("ingest did not accept the phantom: " + submitted);
                }
                volumeId = submitted.volumeId();
                requestId = submitted.requestId();
                System.out.printf(Locale.ROOT, "uploaded and ACCEPTED in %.1f s (volume %s, request %s); waiting for "
                        + "its metrics (timeout %s) ...%n", ingestAnswer, volumeId, requestId, timeout);
                failure = follow(client, volumeId, requestId, timeout, running, start);
                if (failure == null) {
                    endToEnd = (System.nanoTime() - start) / 1e9;
                }
                Map<String, StageJobs> after = jobDurations(running);
                after.forEach((stage, jobs) -> stages.put(stage, minus(jobs, before.get(stage))));
                for (RunningService service : running) {
                    hwm.put(service, vmHwmMiB(service.pid()));
                }
            }
            try (TopicReader<AxisResult> reader = new TopicReader<>(stack.bootstrapServers(),
                    Topics.load().name(Topic.AXIS_RESULTS), AxisResult.class)) {
                axisResults = reader.readToEnd().stream()
                        .filter(r -> r.volumeId().equals(volumeId) && r.requestId().equals(requestId)).toList();
            }
            for (AxisResult r : axisResults) {
                logitBytes.put(r.logitsKey(), Files.size(stack.bucketFolder().resolve(r.logitsKey())));
            }
            for (RunningService service : running) {
                memory.add(gcMemory(service, settings, hwm.get(service)));
            }
        }
        print(structures, voxels, memory, stages, axisResults, logitBytes, ingestAnswer, endToEnd);
        if (failure != null) {
            System.err.println("SCALE BENCHMARK FAILED: " + failure + " (logs under " + data.resolve("run")
                    .resolve("logs") + ")");
            System.exit(1);
        }
    }

    private static void writePhantom(int[] shape, int structures, Path image, Path labels) throws IOException {
        long start = System.nanoTime();
        ClinicalPhantom phantom = ClinicalPhantom.generate(shape[0], shape[1], shape[2], structures, SEED);
        double generated = (System.nanoTime() - start) / 1e9;
        long[] counts = phantom.voxelCounts();
        long smallest = Long.MAX_VALUE;
        long largest = 0;
        for (int id = 1; id < counts.length; id++) {
            smallest = Math.min(smallest, counts[id]);
            largest = Math.max(largest, counts[id]);
        }
        start = System.nanoTime();
        phantom.write(image, labels);
        System.out.printf(Locale.ROOT, "phantom: generated in %.1f s, written in %.1f s (image %.1f MiB, labels %.2f "
                + "MiB gzip); structures of %d to %d voxels, %.1f%% of the volume labelled%n", generated,
                (System.nanoTime() - start) / 1e9, Files.size(image) / MIB, Files.size(labels) / MIB, smallest,
                largest, 100.0 * (phantom.grid().voxelCount() - counts[0]) / phantom.grid().voxelCount());
    }

    /**
     * Follows the request until it ends or fails, watching the services meanwhile; returns why it failed, or null
     * when its metrics arrived.
     */
    private static String follow(PipelineClient client, String volumeId, String requestId, Duration timeout,
                                 List<RunningService> services, long start) throws InterruptedException {
        AtomicReference<VolumeStatus> latest = new AtomicReference<>();
        ExecutorService waiter = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "await-metrics");
            thread.setDaemon(true); // an abandoned wait must not keep the benchmark alive
            return thread;
        });
        Outcome ended;
        try {
            CompletableFuture<Outcome> outcome = CompletableFuture.supplyAsync(
                    () -> client.await(volumeId, requestId, timeout, latest::set), waiter);
            Map<String, Long> oomSeen = new LinkedHashMap<>();
            long nextProgress = System.nanoTime() + PROGRESS_INTERVAL.toNanos();
            while (true) {
                try {
                    ended = outcome.get(WATCH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    // still running: look at the services
                } catch (ExecutionException e) {
                    return "waiting for the request failed: " + e.getCause();
                }
                long now = System.nanoTime();
                for (RunningService service : services) {
                    String name = service.process().name();
                    if (ProcessHandle.of(service.pid()).filter(ProcessHandle::isAlive).isEmpty()) {
                        return name + " exited while the request was running (see " + service.log() + ")";
                    }
                    if (!oomSeen.containsKey(name) && logs(service.log(), "java.lang.OutOfMemoryError")) {
                        oomSeen.put(name, now);
                        System.out.printf(Locale.ROOT, "  +%.0f s %s logged an OutOfMemoryError (%s)%n",
                                (now - start) / 1e9, name, service.log());
                    }
                }
                for (Map.Entry<String, Long> oom : oomSeen.entrySet()) {
                    if (now - oom.getValue() > OOM_GRACE.toNanos()) {
                        return oom.getKey() + " ran out of heap and the request did not end within " + OOM_GRACE
                                .toSeconds() + " s after (last status: " + describe(latest.get()) + ")";
                    }
                }
                if (now > nextProgress) {
                    System.out.printf(Locale.ROOT, "  +%.0f s %s%n", (now - start) / 1e9, describe(latest.get()));
                    nextProgress = now + PROGRESS_INTERVAL.toNanos();
                }
            }
        } finally {
            // not interrupted: the Kafka consumers of an abandoned wait would log the interrupt as an error
            waiter.shutdown();
        }
        if (ended.succeeded()) {
            return null;
        }
        if (!ended.finished()) {
            return "no metrics after " + timeout + " (last status: " + describe(ended.status()) + ")";
        }
        return "request " + describe(ended.status()) + (ended.errors().isEmpty() ? "" : "; errors: " + ended.errors());
    }

    private static boolean logs(Path log, String text) {
        try (var lines = Files.lines(log)) {
            return lines.anyMatch(l -> l.contains(text));
        } catch (IOException | UncheckedIOException e) {
            return false; // not written yet, or a partly written line: the next look sees it
        }
    }

    private static String describe(VolumeStatus status) {
        if (status == null) {
            return "no status yet";
        }
        StringBuilder s = new StringBuilder(status.state() + " at " + status.stage());
        for (VolumeStatus.AxisProgress p : status.axes()) {
            s.append(String.format(Locale.ROOT, " %s %d/%d", p.axis(), p.framesDone(), p.framesTotal()));
        }
        return status.detail() == null ? s.toString() : s + " (" + status.detail() + ")";
    }

    /**
     * Job durations by stage over every service, from {@code /actuator/prometheus}; a service that does not answer
     * (one that has died) counts as none.
     */
    private static Map<String, StageJobs> jobDurations(List<RunningService> services) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Map<String, StageJobs> stages = new TreeMap<>();
        for (RunningService service : services) {
            String text;
            try {
                text = http.send(HttpRequest.newBuilder(URI.create(service.url() + "/actuator/prometheus"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException e) {
                System.out.println("  (no metrics from " + service.process().name() + ": " + e + ")");
                continue;
            }
            for (String line : text.lines().toList()) {
                Matcher m = JOB_DURATION.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                Map<String, String> labels = new TreeMap<>();
                Matcher label = LABEL.matcher(m.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
                double[] v = stages.computeIfAbsent(labels.get("stage"), s -> new StageJobs(new TreeMap<>()))
                        .byOutcome().computeIfAbsent(labels.get("outcome"), o -> new double[2]);
                v["count".equals(m.group(1)) ? 0 : 1] += Double.parseDouble(m.group(3));
            }
        }
        return stages;
    }

    /** The jobs of {@code after} that {@code before} did not hold (the warm-up's are in both). */
    private static StageJobs minus(StageJobs after, StageJobs before) {
        Map<String, double[]> added = new TreeMap<>();
        after.byOutcome().forEach((outcome, v) -> {
            double[] b = before == null ? null : before.byOutcome().get(outcome);
            double jobs = v[0] - (b == null ? 0 : b[0]);
            if (jobs > 0) {
                added.put(outcome, new double[] {jobs, v[1] - (b == null ? 0 : b[1])});
            }
        });
        return new StageJobs(added);
    }

    /** The peak of the resident set, in MiB, from {@code /proc/<pid>/status}; NaN when it cannot be read. */
    private static double vmHwmMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no /proc (not Linux) or the process is gone
        }
        return Double.NaN;
    }

    /** Peak heap figures from the service's GC log: the largest before and after any collection. */
    private static Memory gcMemory(RunningService service, LaunchSettings settings, double hwm) throws IOException {
        double before = Double.NaN;
        double after = Double.NaN;
        double size = Double.NaN;
        int collections = 0;
        for (String line : Files.exists(service.gcLog()) ? Files.readAllLines(service.gcLog()) : List.<String>of()) {
            Matcher m = GC_PAUSE.matcher(line);
            if (m.find()) {
                collections++;
                before = max(before, mib(m.group(1), m.group(2)));
                after = max(after, mib(m.group(3), m.group(4)));
                size = max(size, mib(m.group(5), m.group(6)));
            }
        }
        String limit = settings.heaps().getOrDefault(service.service(), service.service().defaultHeap());
        return new Memory(service.process().name(), limit, before, after, size, collections, hwm);
    }

    private static double max(double current, double value) {
        return Double.isNaN(current) ? value : Math.max(current, value);
    }

    private static double mib(String amount, String unit) {
        double v = Double.parseDouble(amount);
        return switch (unit) {
            case "K" -> v / 1024;
            case "G" -> v * 1024;
            default -> v;
        };
    }

    private static void print(int structures, long voxels, List<Memory> memory, Map<String, StageJobs> stages,
                              List<AxisResult> axisResults, Map<String, Long> logitBytes, double ingestAnswer,
                              double endToEnd) {
        System.out.printf(Locale.ROOT, "%n%-16s %10s %15s %15s %14s %11s %16s%n", "service", "heap limit",
                "peak heap MiB", "peak live MiB", "heap size MiB", "collections", "peak RSS MiB");
        for (Memory m : memory) {
            System.out.printf(Locale.ROOT, "%-16s %10s %15.0f %15.0f %14.0f %11d %16.0f%n", m.name(), m.heapLimit(),
                    m.peakBefore(), m.peakAfter(), m.heapSize(), m.collections(), m.hwm());
        }
        System.out.printf(Locale.ROOT, "%n%-24s %9s  %s%n", "stage", "seconds", "jobs");
        System.out.printf(Locale.ROOT, "%-24s %9.1f%n", "upload answered", ingestAnswer);
        for (Stage stage : Stage.values()) {
            StageJobs jobs = stages.get(stage.name());
            if (jobs != null) {
                System.out.printf(Locale.ROOT, "%-24s %9.1f  %s%n", stage.name().toLowerCase(Locale.ROOT),
                        jobs.seconds(), jobs.describe());
            }
            if (stage == Stage.AXIS_WORKER) {
                for (AxisResult r : axisResults) {
                    AxisResult.Timings t = r.timings();
                    System.out.printf(Locale.ROOT, "%-24s %9.1f  load %.1f, compute %.1f, store %.1f s; %d frames, "
                            + "%d structures%n", "  " + r.axis().name().toLowerCase(Locale.ROOT), t.totalMs() / 1e3,
                            t.loadMs() / 1e3, t.computeMs() / 1e3, t.storeMs() / 1e3, r.frames(),
                            r.structures().size());
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-24s %9.1f%n", "end-to-end", endToEnd);
        long stored = logitBytes.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf(Locale.ROOT, "%nstored logits: %d object%s, %.1f MiB = %.3f bytes per voxel for %d "
                + "structures (%.4f per voxel and structure)%n", logitBytes.size(), logitBytes.size() == 1 ? "" : "s",
                stored / MIB, (double) stored / voxels, structures, (double) stored / voxels / structures);
        System.out.println("peak heap = largest heap in use when a collection started, peak live = largest left "
                + "after one, heap size = largest committed (all from each service's -Xlog:gc file); peak RSS = "
                + "VmHWM of /proc/<pid>/status just before the services stopped; stage seconds = the services' "
                + "own triplane_job_duration_seconds added by this request (warm-up excluded), the axis lines from "
                + "the AxisResult timings; end-to-end = upload to metrics event; NaN = not reached");
    }

    static int[] parseShape(String text) {
        String[] parts = text.toLowerCase(Locale.ROOT).split("x");
        if (parts.length != 3) {
            throw new IllegalArgumentException("shape must be NXxNYxNZ (e.g. 512x512x300), got " + text);
        }
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
    }
}
