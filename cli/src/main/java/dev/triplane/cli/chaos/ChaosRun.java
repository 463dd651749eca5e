package dev.triplane.cli.chaos;

import dev.triplane.cli.stack.LaunchSettings;
import dev.triplane.cli.stack.LocalPipeline;
import dev.triplane.cli.stack.ModelChoice;
import dev.triplane.cli.stack.RunningService;
import dev.triplane.cli.stack.Service;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.synthetic.SyntheticScan;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectInfo;
import dev.triplane.infra.storage.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A chaos run on a local pipeline with two axis-workers: distinct small synthetic scans with labels and a few bad
 * ones are dropped into the inbox while a seeded schedule of {@link Fault}s runs (kills at fault points, a broker
 * kill, an S3 outage, SIGSTOP pauses); the pipeline's supervisor restarts what was killed. Afterwards every topic
 * is read {@code read_committed} and the bucket listed, and the {@link ChaosReport} counts what ended how.
 * Loopback only; bounded by {@link Settings#timeout}.
 */
public final class ChaosRun {

    /**
     * @param repoRoot  the repository (service jars, the model)
     * @param dataDir   the run's stack, logs and fault-point folder
     * @param model     the SAM2 export
     * @param goodScans distinct good scans
     * @param seed      the schedule's and the order's seed
     * @param rounds    how often each fault kind is injected
     * @param s3Outage  how long the S3 server stays down
     * @param pause     how long a SIGSTOP lasts
     * @param timeout   how long the run waits for every scan to end after the schedule
     * @param gap       the least wait before each fault (up to four times it, by the seed), and a fifth of the
     *                  wait for late duplicates after every scan ended
     */
    public record Settings(Path repoRoot, Path dataDir, ModelChoice model, int goodScans, long seed, int rounds,
                           Duration s3Outage, Duration pause, Duration timeout, Duration gap) {
    }

    /** A scan of the run: its inbox keys, its content and whether the pipeline must accept it. */
    record Scan(String name, boolean good, String volumeId, String imageKey, byte[] image, String labelsKey,
                byte[] labels) {
    }

    /** One injected fault: when it began and ended (epoch ms), and what it hit. */
    record Injected(Fault fault, String target, long startMs, long endMs, Topic progress) {
    }

    private static final Duration POINT_TIMEOUT = Duration.ofSeconds(180);
    private static final long POLL_MS = 200;

    private final Settings settings;
    private final PrintStream out;
    private final Random random;
    private final String tag;
    private final Map<Topic, List<Long>> arrivals = new ConcurrentHashMap<>();
    private final List<Injected> injected = new CopyOnWriteArrayList<>();

    private ChaosRun(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
        this.random = new Random(settings.seed());
        this.tag = "chaos-" + settings.seed() + "-" + Long.toHexString(System.currentTimeMillis());
    }

    /** Runs the whole thing and stops the pipeline; prints progress lines to {@code out}. */
    public static ChaosReport run(Settings settings, PrintStream out) throws IOException, InterruptedException {
        LocalPipeline pipeline = start(settings, Map.of(), out);
        ChaosReport report;
        try {
            report = run(settings, pipeline, out);
        } finally {
            pipeline.close();
        }
        return report.withAliveAfterStop(aliveAfterStop(pipeline));
    }

    /**
     * Starts the pipeline a run needs: two axis-workers, every service watching the run's fault-point folder
     * ({@code <dataDir>/fault-points}). A test may use it for other work before {@link #run(Settings, LocalPipeline,
     * PrintStream)}, as long as that work drops nothing into the run's own inbox folder.
     *
     * @param more properties given to every service on top of the run's (a test's shorter timeouts)
     */
    public static LocalPipeline start(Settings settings, Map<String, String> more, PrintStream out)
            throws IOException {
        Path faultDir = Files.createDirectories(faultDir(settings));
        Map<String, String> properties = new HashMap<>(Map.of("triplane.fault-points.dir", faultDir.toString(),
                "triplane.fault-points.pause", "120s",
                // two workers on the cores the machine has
                "triplane.worker.threads", Integer.toString(Math.max(1,
                        Runtime.getRuntime().availableProcessors() / 2))));
        properties.putAll(more);
        out.printf(Locale.ROOT, "chaos: data %s; starting the pipeline ...%n", settings.dataDir());
        long started = System.nanoTime();
        LocalPipeline pipeline = LocalPipeline.start(new LaunchSettings(settings.repoRoot(), settings.dataDir(),
                settings.model(), "chaos-" + settings.seed()), Service.pipeline(2), properties);
        out.printf(Locale.ROOT, "chaos: pipeline up in %.0f s%n", (System.nanoTime() - started) / 1e9);
        return pipeline;
    }

    /** The chaos run on a pipeline from {@link #start}; the pipeline is left running (its restarts in the report). */
    public static ChaosReport run(Settings settings, LocalPipeline pipeline, PrintStream out) throws IOException,
            InterruptedException {
        return new ChaosRun(settings, out).run(pipeline);
    }

    /**
     * After {@link LocalPipeline#close}: how many of its services and broker still run (a clean stop restarts
     * nothing: longer than the first backoff later, no current process runs).
     */
    public static long aliveAfterStop(LocalPipeline pipeline) throws InterruptedException {
        Thread.sleep(2000);
        List<Long> pids = new ArrayList<>(pipeline.services().stream().map(RunningService::pid).toList());
        pids.add(pipeline.stack().brokerPid());
        return pids.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).count();
    }

    private static Path faultDir(Settings settings) {
        return settings.dataDir().toAbsolutePath().resolve("fault-points");
    }

    private ChaosReport run(LocalPipeline pipeline) throws IOException, InterruptedException {
        Path faultDir = faultDir(settings);
        List<Scan> scans = scans();
        out.printf(Locale.ROOT, "chaos: %d good + %d bad scans, seed %d%n", settings.goodScans(),
                scans.size() - settings.goodScans(), settings.seed());
        try (ObjectStore store = new MinioObjectStore(pipeline.stack().s3(), pipeline.stack().bucket())) {
            Watcher watcher = new Watcher(pipeline.stack().bootstrapServers());
            watcher.start();
            try {
                // One good scan is kept for each point fault and dropped right after the point is armed, so fresh
                // work passes it (ingest's point first); the bad scans go at once, the other good ones are spread
                // over the faults.
                List<Fault> schedule = schedule();
                int points = (int) schedule.stream().filter(f -> f.point() != null).count();
                List<Scan> good = scans.stream().filter(Scan::good).toList();
                Deque<Scan> kept = new ArrayDeque<>(good.subList(0, Math.min(points, good.size())));
                Deque<Scan> queue = new ArrayDeque<>(good.subList(kept.size(), good.size()));
                for (Scan bad : scans.stream().filter(scan -> !scan.good()).toList()) {
                    drop(store, bad);
                }
                for (int i = 0; i < schedule.size(); i++) {
                    Fault fault = schedule.get(i);
                    int share = (queue.size() + schedule.size() - i - 1) / (schedule.size() - i);
                    for (int k = 0; k < share; k++) {
                        drop(store, queue.poll());
                    }
                    Thread.sleep(settings.gap().toMillis() + random.nextInt((int) settings.gap().toMillis() * 3 + 1));
                    if (fault.point() != null) {
                        Files.writeString(faultDir.resolve(fault.point()), "armed by the chaos run");
                        if (!kept.isEmpty()) {
                            drop(store, kept.poll());
                        }
                    }
                    inject(fault, pipeline, faultDir);
                }
                queue.addAll(kept);
                while (!queue.isEmpty()) {
                    drop(store, queue.poll());
                }
                awaitEnd(pipeline, scans);
                Thread.sleep(settings.gap().toMillis() * 5); // late duplicates, if any, arrive now
            } finally {
                watcher.interrupt();
                watcher.join();
            }
            return report(pipeline, store, scans);
        }
    }

    /** Each fault kind {@code rounds} times, in the seed's order. */
    private List<Fault> schedule() {
        List<Fault> faults = new ArrayList<>();
        for (int r = 0; r < settings.rounds(); r++) {
            faults.addAll(List.of(Fault.values()));
        }
        Collections.shuffle(faults, random);
        return faults;
    }

    private void inject(Fault fault, LocalPipeline pipeline, Path faultDir) throws IOException,
            InterruptedException {
        long start = System.currentTimeMillis();
        switch (fault) {
            case BROKER_KILL -> {
                long pid = pipeline.stack().brokerPid();
                kill(pid);
                record(fault, "kafka pid " + pid, start, System.currentTimeMillis(), fault.progress());
                // the harness's own readers need the broker back before the next fault or the final reading
                long deadline = System.nanoTime() + POINT_TIMEOUT.toNanos();
                while (pipeline.stack().brokerPid() == pid && System.nanoTime() < deadline) {
                    Thread.sleep(POLL_MS);
                }
                // one readiness wait is a minute; a loaded machine may need longer to load the broker's logs
                for (int attempt = 1; ; attempt++) {
                    try {
                        pipeline.stack().awaitBroker();
                        break;
                    } catch (IOException e) {
                        if (attempt == 3) {
                            throw e;
                        }
                    }
                }
            }
            case S3_OUTAGE -> {
                pipeline.stack().stopS3();
                out.printf(Locale.ROOT, "chaos: S3 server stopped for %d s%n", settings.s3Outage().toSeconds());
                Thread.sleep(settings.s3Outage().toMillis());
                pipeline.stack().startS3();
                record(fault, "s3 for " + settings.s3Outage().toSeconds() + " s", start, System.currentTimeMillis(),
                        fault.progress());
            }
            case PAUSE -> {
                List<RunningService> services = pipeline.services();
                RunningService target = services.get(random.nextInt(services.size()));
                // a service killed by the fault before may not be back yet: its new process is the one to pause
                long deadline = System.nanoTime() + POINT_TIMEOUT.toNanos();
                while (!target.process().isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(POLL_MS);
                }
                long pid = target.pid();
                signal("-STOP", pid);
                Thread.sleep(settings.pause().toMillis());
                signal("-CONT", pid);
                record(fault, target.process().name() + " for " + settings.pause().toSeconds() + " s", start,
                        System.currentTimeMillis(), progressOf(target.service()));
            }
            default -> killAtPoint(fault, pipeline, faultDir);
        }
    }

    /** Waits for a service to claim the armed point ({@code <point>.<pid>}) and kills that process. */
    private void killAtPoint(Fault fault, LocalPipeline pipeline, Path faultDir) throws IOException, InterruptedException {
        Path armed = faultDir.resolve(fault.point());
        long deadline = System.nanoTime() + POINT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try (Stream<Path> files = Files.list(faultDir)) {
                Path claimed = files.filter(f -> f.getFileName().toString().startsWith(fault.point() + "."))
                        .findFirst().orElse(null);
                if (claimed != null) {
                    long pid = Long.parseLong(claimed.getFileName().toString()
                            .substring(fault.point().length() + 1));
                    kill(pid);
                    Files.delete(claimed);
                    long at = System.currentTimeMillis();
                    String name = pipeline.services().stream().filter(r -> r.pid() == pid).findFirst()
                            .map(r -> r.process().name()).orElse(fault.service().module());
                    record(fault, name + " pid " + pid, at, at, fault.progress());
                    return;
                }
            }
            Thread.sleep(POLL_MS);
        }
        // nothing reached it: disarm, unless a service claims it in this very moment (then it is killed next time)
        Files.deleteIfExists(armed);
        out.printf(Locale.ROOT, "chaos: %s not reached within %d s, not injected%n", fault,
                POINT_TIMEOUT.toSeconds());
    }

    private void record(Fault fault, String target, long startMs, long endMs, Topic progress) {
        injected.add(new Injected(fault, target, startMs, endMs, progress));
        out.printf(Locale.ROOT, "chaos: %-22s %s%n", fault, target);
        out.flush();
    }

    private static Topic progressOf(Service service) {
        return switch (service) {
            case INGEST -> Topic.AXIS_JOBS;
            case AXIS_WORKER -> Topic.AXIS_RESULTS;
            case FUSION -> Topic.SEGMENTATIONS;
            case METRICS -> Topic.METRICS;
        };
    }

    private static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        int status = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start().waitFor();
        if (status != 0) {
            throw new IOException("kill " + signal + " " + pid + " exited with " + status);
        }
    }

    /** Puts a scan into the inbox, labels first; retries while the S3 server is down. */
    private void drop(ObjectStore store, Scan scan) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                if (scan.labelsKey() != null) {
                    store.put(scan.labelsKey(), scan.labels(), "application/gzip");
                }
                store.put(scan.imageKey(), scan.image(), "application/gzip");
                return;
            } catch (RuntimeException e) {
                if (attempt == 120) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    /** Waits until every scan's status is final (or the timeout). */
    private void awaitEnd(LocalPipeline pipeline, List<Scan> scans) {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        try (TopicReader<VolumeStatus> statuses = new TopicReader<>(pipeline.stack().bootstrapServers(),
                Topics.load().name(Topic.STATUS), VolumeStatus.class)) {
            Map<String, VolumeStatus> last = new HashMap<>();
            while (System.nanoTime() < deadline) {
                statuses.next(Duration.ofSeconds(1)).forEach(s -> last.put(s.volumeId(), s));
                if (scans.stream().allMatch(s -> isFinal(last.get(s.volumeId())))) {
                    return;
                }
            }
        }
        out.println("chaos: not every scan ended within " + settings.timeout());
    }

    private static boolean isFinal(VolumeStatus status) {
        return status != null && (status.state() == VolumeStatus.State.COMPLETED
                || status.state() == VolumeStatus.State.FAILED || status.state() == VolumeStatus.State.REJECTED);
    }

    private static Map<String, VolumeStatus> lastStatus(List<VolumeStatus> statuses) {
        Map<String, VolumeStatus> last = new HashMap<>();
        statuses.forEach(s -> last.put(s.volumeId(), s));
        return last;
    }

    private ChaosReport report(LocalPipeline pipeline, ObjectStore store, List<Scan> scans) throws IOException {
        String bootstrap = pipeline.stack().bootstrapServers();
        Topics topics = Topics.load();
        Map<String, VolumeStatus> last = lastStatus(TopicReader.readAll(bootstrap, topics.name(Topic.STATUS),
                VolumeStatus.class));
        Map<String, Long> segmentations = TopicReader.readAll(bootstrap, topics.name(Topic.SEGMENTATIONS),
                SegmentationReady.class).stream().collect(Collectors.groupingBy(SegmentationReady::volumeId,
                Collectors.counting()));
        Map<String, Long> metrics = TopicReader.readAll(bootstrap, topics.name(Topic.METRICS), MetricsReady.class)
                .stream().collect(Collectors.groupingBy(MetricsReady::volumeId, Collectors.counting()));
        List<ErrorEvent> errors = TopicReader.readAll(bootstrap, topics.name(Topic.ERRORS), ErrorEvent.class);
        Set<String> requests = new HashSet<>();
        Set<String> volumes = new HashSet<>();
        for (VolumeAccepted a : TopicReader.readAll(bootstrap, topics.name(Topic.VOLUMES), VolumeAccepted.class)) {
            volumes.add(a.volumeId());
            requests.add(a.volumeId() + "/" + a.requestId());
        }
        List<ChaosReport.ScanOutcome> outcomes = new ArrayList<>();
        for (Scan scan : scans) {
            long errorCount = errors.stream().filter(e -> scan.volumeId().equals(e.volumeId())
                    || e.object().startsWith(scan.imageKey().replace(".nii.gz", ""))).count();
            VolumeStatus status = last.get(scan.volumeId());
            outcomes.add(new ChaosReport.ScanOutcome(scan.name(), scan.good(), scan.volumeId(),
                    status == null ? null : status.state(), status == null ? null : status.detail(),
                    segmentations.getOrDefault(scan.volumeId(), 0L), metrics.getOrDefault(scan.volumeId(), 0L),
                    errorCount));
        }
        List<String> orphans = orphans(pipeline, store, scans, volumes, requests);
        Map<Fault, Integer> byKind = new EnumMap<>(Fault.class);
        injected.forEach(i -> byKind.merge(i.fault(), 1, Integer::sum));
        List<ChaosReport.Recovery> recoveries = injected.stream().map(i -> new ChaosReport.Recovery(i.fault(),
                i.target(), i.endMs() - i.startMs(), recovery(i))).toList();
        return new ChaosReport(settings.seed(), scans.size(), byKind, outcomes, orphans, recoveries,
                pipeline.info().restarts(), 0);
    }

    /** Milliseconds from the fault's end to the next record on its stage's topic, or -1 when none came. */
    private long recovery(Injected fault) {
        return arrivals.getOrDefault(fault.progress(), List.of()).stream().filter(t -> t >= fault.endMs())
                .mapToLong(t -> t - fault.endMs()).min().orElse(-1);
    }

    /**
     * Objects no request accounts for: under {@code volumes/} of no accepted volume, under {@code logits/} or
     * {@code results/} of no accepted request, objects in the run's inbox folder it did not drop, anything else outside
     * {@code models/}; and files in the bucket's folder on disk that are no object (a temporary upload left over).
     */
    private List<String> orphans(LocalPipeline pipeline, ObjectStore store, List<Scan> scans, Set<String> volumes,
                                 Set<String> requests) throws IOException {
        Set<String> dropped = new HashSet<>();
        for (Scan scan : scans) {
            dropped.add(scan.imageKey());
            if (scan.labelsKey() != null) {
                dropped.add(scan.labelsKey());
            }
        }
        List<String> orphans = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (ObjectInfo info : store.list("")) {
            String key = info.key();
            keys.add(key);
            String[] parts = key.split("/");
            boolean accounted = switch (parts[0]) {
                case "models", "inbox-rejected" -> true; // a rejected drop's marker (ObjectKeys.rejectedScan)
                // other drops into the same pipeline (a test's before the run) are not the run's to account for
                case "inbox" -> dropped.contains(key) || !key.startsWith(inbox());
                case "volumes" -> parts.length > 2 && volumes.contains(parts[1]);
                case "logits", "results" -> parts.length > 3 && requests.contains(parts[1] + "/" + parts[2]);
                default -> false;
            };
            if (!accounted) {
                orphans.add(key);
            }
        }
        Path folder = pipeline.stack().bucketFolder();
        try (Stream<Path> files = Files.walk(folder)) {
            files.filter(Files::isRegularFile).map(f -> folder.relativize(f).toString().replace('\\', '/'))
                    .filter(k -> !keys.contains(k)).forEach(k -> orphans.add(k + " (on disk, not an object)"));
        }
        return orphans;
    }

    /** The run's inbox folder: every scan it drops is under it. */
    private String inbox() {
        return ObjectKeys.load().inboxPrefix() + tag + "/";
    }

    /** The good scans (the synthetic scan with voxel i raised, distinct files) and three bad ones. */
    private List<Scan> scans() {
        SyntheticScan synthetic = SyntheticScan.create();
        ImageVolume image = synthetic.image();
        NiftiHeader header = NiftiHeader.forGrid(image.grid());
        byte[] labels = synthetic.labelsNifti();
        String inbox = inbox();
        List<Scan> scans = new ArrayList<>();
        for (int i = 1; i <= settings.goodScans(); i++) {
            float[] voxels = image.voxels().clone();
            voxels[i] += 1;
            byte[] bytes = gzipNifti(new ImageVolume(image.grid(), voxels), header);
            scans.add(new Scan("good-" + i, true, ObjectKeys.volumeId(bytes), inbox + "good-" + i + ".nii.gz", bytes,
                    inbox + "good-" + i + "_seg.nii.gz", labels));
        }
        byte[] text = "this is not a NIfTI file".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        scans.add(new Scan("bad-not-nifti", false, ObjectKeys.volumeId(text), inbox + "bad-not-nifti.nii.gz", text,
                null, null));
        byte[] whole = gzipNifti(image, header);
        byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
        scans.add(new Scan("bad-truncated", false, ObjectKeys.volumeId(truncated), inbox + "bad-truncated.nii.gz",
                truncated, inbox + "bad-truncated_seg.nii.gz", labels));
        float[] voxels = image.voxels().clone();
        voxels[0] -= 7; // not a good scan's volume
        byte[] gridImage = gzipNifti(new ImageVolume(image.grid(), voxels), header);
        Grid other = new Grid(image.grid().nx() - 8, image.grid().ny(), image.grid().nz(), image.grid().spacing(),
                image.grid().affine());
        int[] ids = new int[other.voxelCount()];
        Arrays.fill(ids, 0, ids.length / 4, 5);
        ByteArrayOutputStream otherLabels = new ByteArrayOutputStream();
        try {
            NiftiWriter.write(otherLabels, "labels on another grid", new LabelVolume(other, ids),
                    NiftiHeader.forGrid(other), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        scans.add(new Scan("bad-labels-grid", false, ObjectKeys.volumeId(gridImage), inbox + "bad-labels-grid.nii.gz",
                gridImage, inbox + "bad-labels-grid_seg.nii.gz", otherLabels.toByteArray()));
        // the order of the drops is the seed's too
        Collections.shuffle(scans, random);
        return scans;
    }

    private static byte[] gzipNifti(ImageVolume image, NiftiHeader header) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            NiftiWriter.write(out, "chaos scan", image, header, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        return out.toByteArray();
    }

    /** Notes when each record of the stage topics arrives (read_committed), for the recovery times. */
    private final class Watcher extends Thread {

        private final String bootstrap;

        Watcher(String bootstrap) {
            super("chaos-watcher");
            setDaemon(true);
            this.bootstrap = bootstrap;
        }

        @Override
        public void run() {
            Topics topics = Topics.load();
            List<Topic> watched = List.of(Topic.AXIS_JOBS, Topic.AXIS_RESULTS, Topic.SEGMENTATIONS, Topic.METRICS,
                    Topic.STATUS);
            Map<Topic, TopicReader<String>> readers = new EnumMap<>(Topic.class);
            try {
                for (Topic t : watched) {
                    readers.put(t, new TopicReader<>(bootstrap, topics.name(t), String.class));
                }
                while (!isInterrupted()) {
                    for (Topic t : watched) {
                        int fresh = readers.get(t).next(Duration.ofMillis(20)).size();
                        long now = System.currentTimeMillis();
                        for (int i = 0; i < fresh; i++) {
                            arrivals.computeIfAbsent(t, k -> new CopyOnWriteArrayList<>()).add(now);
                        }
                    }
                    Thread.sleep(POLL_MS);
                }
            } catch (InterruptedException | org.apache.kafka.common.errors.InterruptException e) {
                // the run is over
            } catch (RuntimeException e) {
                out.println("chaos: watcher stopped: " + e);
            } finally {
                readers.values().forEach(TopicReader::close);
            }
        }
    }
}
