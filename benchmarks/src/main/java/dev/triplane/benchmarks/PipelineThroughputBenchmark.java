package dev.triplane.benchmarks;

import dev.triplane.cli.pipeline.PipelineClient;
import dev.triplane.cli.pipeline.Submission;
import dev.triplane.cli.pipeline.Submitted;
import dev.triplane.cli.stack.LaunchSettings;
import dev.triplane.cli.stack.ModelChoice;
import dev.triplane.cli.stack.Service;
import dev.triplane.cli.stack.ServiceLauncher;
import dev.triplane.cli.stack.StackInfo;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.TopicReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The pipeline's throughput with one, two and four axis-workers (a share group) on the same batch, with
 * {@code triplane.axis-jobs} on the layout's 12 partitions and on one: per partition count a local stack (broker and
 * S3 server in a temporary folder), then ingest, {@code workers} axis-workers, fusion and metrics from their jars;
 * the batch is uploaded to ingest and timed until every volume's metrics are out; the services are stopped and
 * started again with the next worker count on the same stack. Each run uses a new dataset tag, which is part of the
 * request id, so ingest makes new requests for the same volumes and everything is computed again.
 *
 * <p>The batch: {@code samples/example_ct_sm.nii.gz} with one voxel changed per volume (distinct volume ids), each
 * with the sample's labels. Each worker gets {@code cores / workers} ONNX Runtime threads, so two workers do not
 * oversubscribe the cores. Arguments: {@code [volumes] [structures] [modelDir]}, defaults {@code 4 liver,spleen}
 * and the committed micro model. Run from the repository root through {@code benchmarks/run pipeline}, which
 * builds the service jars.
 */
public final class PipelineThroughputBenchmark {

    private static final Path SAMPLE_IMAGE = Path.of("samples", "example_ct_sm.nii.gz");
    private static final Path SAMPLE_LABELS = Path.of("samples", "example_seg.nii.gz");
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    /** Partition counts of {@code triplane.axis-jobs}: the layout's, and one (the queue as one partition). */
    private static final List<Integer> PARTITIONS = List.of(12, 1);
    private static final List<Integer> WORKERS = List.of(1, 2, 4);
    private static final Duration BATCH_TIMEOUT = Duration.ofMinutes(60);
    /** How often the wait for metrics also looks for a failed or rejected volume. */
    private static final long STATUS_CHECK_NANOS = Duration.ofSeconds(5).toNanos();

    private PipelineThroughputBenchmark() {
    }

    /** One request of one volume: request ids name the settings, so the volumes of a run share theirs. */
    private record Job(String volumeId, String requestId) {
    }

    /** One run's figures; times in seconds, the axis sums over every axis job of the batch. */
    private record Run(int workers, int threads, String requestId, double wall, double meanEndToEnd, double compute,
                       double load, double store, int axisJobs, int workerIds) {

        double volumesPerMinute(int volumes) {
            return volumes * 60 / wall;
        }

        /** The part of the workers' wall time spent inside the SAM2 engine. */
        double computeShare() {
            return compute / (wall * workers);
        }
    }

    public static void main(String[] args) throws IOException {
        int volumes = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        String structures = args.length > 1 ? args[1] : "liver,spleen";
        Path root = Path.of("").toAbsolutePath();
        ModelChoice model = ModelChoice.of(root, args.length > 2 ? Path.of(args[2]) : null);
        int cores = Runtime.getRuntime().availableProcessors();
        Path data = Files.createTempDirectory("triplane-pipeline-bench");
        List<Path> batch = variants(Files.createDirectories(data.resolve("volumes")), volumes);
        System.out.printf(Locale.ROOT, "Pipeline throughput, 1, 2 and 4 axis-workers (a share group) on the same batch,"
                + " with triplane.axis-jobs on %s partitions: %d volumes (%s with one voxel changed each, its labels),"
                + " structures %s, %d CPU cores, triplane.worker.threads = cores / workers%n%s%nstacks, logs and"
                + " volumes under %s%n", PARTITIONS, volumes, SAMPLE_IMAGE, structures, cores, model.describe(), data);

        for (int partitions : PARTITIONS) {
            List<Run> runs = new ArrayList<>();
            try (LocalStack stack = LocalStack.start(data.resolve("stack-" + partitions))) {
                boolean layoutCount = partitions == Topics.load().spec(Topic.AXIS_JOBS).partitions();
                if (!layoutCount) {
                    jobsOnPartitions(stack, partitions);
                }
                String previous = null;
                for (int workers : WORKERS) {
                    Run run = run(stack, root, Files.createDirectories(data.resolve(partitions + "p")), model, workers, cores, batch,
                            structures, previous, !layoutCount);
                    runs.add(run);
                    previous = run.requestId();
                }
            }
            System.out.printf(Locale.ROOT, "%ntriplane.axis-jobs on %d partition%s:%n%7s %7s %7s %8s %11s %10s %9s"
                    + " %8s %8s %9s %13s %8s%n", partitions, partitions == 1 ? "" : "s", "workers", "threads",
                    "volumes", "wall s", "volumes/min", "mean e2e s", "compute s", "load s", "store s", "axis jobs",
                    "compute share", "vs 1");
            Run one = runs.get(0);
            for (Run r : runs) {
                System.out.printf(Locale.ROOT, "%7d %7d %7d %8.1f %11.2f %10.1f %9.1f %8.1f %8.1f %9d %12.0f%% %7.2fx"
                        + " (jobs on %d distinct workers)%n", r.workers(), r.threads(), volumes, r.wall(),
                        r.volumesPerMinute(volumes), r.meanEndToEnd(), r.compute(), r.load(), r.store(),
                        r.axisJobs(), 100 * r.computeShare(), r.volumesPerMinute(volumes)
                                / one.volumesPerMinute(volumes), r.workerIds());
            }
        }
        System.out.println("wall = first upload to last metrics event; e2e = a volume's upload to its metrics "
                + "event; compute/load/store = sums of the axis jobs' timings; compute share = compute s / (wall s "
                + "x workers), the part of the workers' time inside the SAM2 engine; vs 1 = throughput over one"
                + " worker's on the same partitions");
    }

    /**
     * Recreates {@code triplane.axis-jobs} with {@code partitions} partitions (the services then run with Spring's
     * topic creation off, which would grow it back to the layout's count).
     */
    private static void jobsOnPartitions(LocalStack stack, int partitions) throws IOException {
        String jobs = Topics.load().name(Topic.AXIS_JOBS);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.deleteTopics(List.of(jobs)).all().get();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                try {
                    admin.createTopics(List.of(new NewTopic(jobs, partitions, (short) 1))).all().get();
                    return;
                } catch (ExecutionException e) {
                    // the deletion is still under way
                    if (System.nanoTime() > deadline) {
                        throw new IOException("cannot recreate " + jobs + ": " + e.getCause(), e.getCause());
                    }
                    Thread.sleep(200);
                }
            }
        } catch (ExecutionException e) {
            throw new IOException("cannot delete " + jobs + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * Starts the services with {@code workers} axis-workers, uploads the batch under a new dataset tag, waits for
     * every volume's metrics and stops the services.
     *
     * @param previousRequest the request id of the run before, which this run's must differ from, or null
     */
    private static Run run(LocalStack stack, Path root, Path data, ModelChoice model, int workers, int cores,
                           List<Path> batch, String structures, String previousRequest, boolean keepTopics)
            throws IOException {
        int threads = Math.max(1, cores / workers);
        Map<String, String> properties = new HashMap<>(stack.serviceProperties());
        properties.put("triplane.worker.threads", Integer.toString(threads));
        if (keepTopics) {
            properties.put("spring.kafka.admin.auto-create", "false");
        }
        String tag = "bench-" + workers + "w-" + UUID.randomUUID().toString().substring(0, 8);
        LaunchSettings settings = new LaunchSettings(root, data.resolve("run-" + workers + "w"), model, tag);
        System.out.printf(Locale.ROOT, "%n[%d worker%s, %d thread%s each, dataset tag %s] starting the services ...%n",
                workers, workers == 1 ? "" : "s", threads, threads == 1 ? "" : "s", tag);
        Topics topics = Topics.load();
        try (ServiceLauncher services = ServiceLauncher.start(Service.pipeline(workers), properties, settings,
                READY_TIMEOUT);
             TopicReader<MetricsReady> metrics = new TopicReader<>(stack.bootstrapServers(),
                     topics.name(Topic.METRICS), MetricsReady.class);
             TopicReader<VolumeStatus> statuses = new TopicReader<>(stack.bootstrapServers(),
                     topics.name(Topic.STATUS), VolumeStatus.class)) {
            PipelineClient client = new PipelineClient(new StackInfo(stack.kafka(), stack.s3(),
                    stack.bucket(), stack.bucketFolder().toString(), services.get(Service.INGEST).url(),
                    services.ingestToken(), Map.of(),
                    Map.of()));
            Map<Job, Long> uploaded = new LinkedHashMap<>();
            long start = System.nanoTime();
            for (Path image : batch) {
                long at = System.nanoTime();
                Submitted s = client.submit(new Submission(image, SAMPLE_LABELS, null, structures, null, null, tag,
                        null, null, null, null));
                // a new tag must make a new request: an old one would be answered ALREADY_INGESTED, not recomputed
                if (!"ACCEPTED".equals(s.outcome()) || s.requestId().equals(previousRequest)) {
                    throw new IllegalStateException("ingest did not make a new request for " + image + ": " + s);
                }
                uploaded.put(new Job(s.volumeId(), s.requestId()), at);
            }
            String requestId = uploaded.keySet().iterator().next().requestId();
            System.out.printf(Locale.ROOT, "uploaded %d volumes in %.1f s, all ACCEPTED as new requests (request %s"
                    + "%s); waiting for their metrics ...%n", batch.size(), (System.nanoTime() - start) / 1e9,
                    abbreviate(requestId), previousRequest == null ? "" : ", the run before: "
                    + abbreviate(previousRequest));

            Map<Job, Long> finished = awaitMetrics(uploaded.keySet(), metrics, statuses);
            long end = finished.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            double endToEnd = uploaded.entrySet().stream()
                    .mapToDouble(e -> (finished.get(e.getKey()) - e.getValue()) / 1e9).average().orElseThrow();
            List<AxisResult> results;
            try (TopicReader<AxisResult> reader = new TopicReader<>(stack.bootstrapServers(),
                    topics.name(Topic.AXIS_RESULTS), AxisResult.class)) {
                results = reader.readToEnd().stream()
                        .filter(r -> uploaded.containsKey(new Job(r.volumeId(), r.requestId()))).toList();
            }
            Set<String> workerIds = results.stream().map(AxisResult::worker).collect(Collectors.toSet());
            return new Run(workers, threads, requestId, (end - start) / 1e9, endToEnd,
                    results.stream().mapToLong(r -> r.timings().computeMs()).sum() / 1e3,
                    results.stream().mapToLong(r -> r.timings().loadMs()).sum() / 1e3,
                    results.stream().mapToLong(r -> r.timings().storeMs()).sum() / 1e3, results.size(),
                    workerIds.size());
        }
    }

    /** When each job's metrics event was seen; throws when one fails, is rejected or the batch times out. */
    private static Map<Job, Long> awaitMetrics(Set<Job> jobs, TopicReader<MetricsReady> metrics,
                                               TopicReader<VolumeStatus> statuses) {
        Map<Job, Long> finished = new HashMap<>();
        long deadline = System.nanoTime() + BATCH_TIMEOUT.toNanos();
        long nextStatusCheck = System.nanoTime() + STATUS_CHECK_NANOS;
        while (finished.size() < jobs.size()) {
            List<MetricsReady> events = metrics.poll();
            long now = System.nanoTime();
            for (MetricsReady m : events) {
                Job job = new Job(m.volumeId(), m.requestId());
                if (jobs.contains(job)) {
                    finished.putIfAbsent(job, now);
                }
            }
            if (now > nextStatusCheck) {
                for (VolumeStatus s : statuses.poll()) {
                    boolean ended = s.state() == VolumeStatus.State.FAILED
                            || s.state() == VolumeStatus.State.REJECTED;
                    if (ended && s.requestId() != null && jobs.contains(new Job(s.volumeId(), s.requestId()))) {
                        throw new IllegalStateException("volume " + s.volumeId() + " " + s.state() + ": "
                                + s.detail());
                    }
                }
                nextStatusCheck = System.nanoTime() + STATUS_CHECK_NANOS;
            }
            if (now > deadline) {
                throw new IllegalStateException("only " + finished.size() + " of " + jobs.size()
                        + " volumes had their metrics after " + BATCH_TIMEOUT);
            }
        }
        return finished;
    }

    /** The sample with voxel {@code i} raised by one, for i = 1..count: distinct files, the same work. */
    private static List<Path> variants(Path dir, int count) throws IOException {
        NiftiImage sample = new NiftiReader(ReadLimits.defaults()).read(SAMPLE_IMAGE);
        ImageVolume image = sample.toImageVolume();
        List<Path> files = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            float[] voxels = image.voxels().clone();
            voxels[i] += 1;
            Path file = dir.resolve("variant-" + i + ".nii.gz");
            NiftiWriter.write(file, new ImageVolume(image.grid(), voxels), sample.header());
            files.add(file);
        }
        return files;
    }

    private static String abbreviate(String id) {
        return id.length() > 12 ? id.substring(0, 12) + "..." : id;
    }
}
