package dev.triplane.cli;

import dev.triplane.cli.pipeline.Outcome;
import dev.triplane.cli.pipeline.PipelineClient;
import dev.triplane.cli.stack.LocalPipeline;
import dev.triplane.cli.stack.StackInfo;
import dev.triplane.core.evaluation.CaseFiles;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code triplane demo}: the whole pipeline on this machine with the committed samples, dropped into the inbox
 * as a user would; prints progress, the metrics table, where the results are and where the time went.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Start the local pipeline, drop samples/ into the inbox, follow it to the metrics table, stop.")
final class DemoCommand implements Callable<Integer> {

    private static final String SAMPLES = "samples";
    private static final String INBOX_FOLDER = "demo/";
    private static final Duration ACCEPT_TIMEOUT = Duration.ofMinutes(3);

    @Spec
    private CommandSpec spec;

    @Mixin
    private StackOptions stackOptions;

    @Mixin
    private LaunchOptions launch;

    @Option(names = "--keep", description = "keep the pipeline running afterwards, like up")
    private boolean keep;

    @Option(names = "--timeout", defaultValue = "PT1H", paramLabel = "DURATION",
            description = "how long to wait for each volume's results (ISO-8601); default ${DEFAULT-VALUE}")
    private Duration timeout;

    /** One sample of {@code samples/dataset.json}, as dropped. */
    private record Drop(String id, String imageKey, String volumeId, long droppedAt) {
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        // Requests are named by volume and parameters: a tag of its own per run makes this run's requests new,
        // so the pipeline runs again on a data folder that has seen the samples before.
        String datasetTag = "demo-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
                .format(ZonedDateTime.now(ZoneOffset.UTC));
        LocalPipeline pipeline = UpCommand.start(out, stackOptions.dataDir(), launch, datasetTag);
        boolean ok;
        try {
            ok = run(out, pipeline.info(), datasetTag);
        } catch (IOException | RuntimeException e) {
            pipeline.close();
            throw e;
        }
        if (keep) {
            UpCommand.runUntilInterrupted(out, pipeline);
        } else {
            out.println("stopping the pipeline (--keep leaves it running)");
            out.flush();
            pipeline.close();
        }
        return ok ? 0 : 1;
    }

    private boolean run(PrintWriter out, StackInfo stack, String datasetTag) throws IOException {
        List<Drop> drops = drop(out, stack);
        PipelineClient client = new PipelineClient(stack);
        boolean ok = true;
        for (Drop drop : drops) {
            out.println();
            out.println("== " + drop.id() + "  volume " + drop.volumeId().substring(0, 12));
            out.flush();
            Optional<String> requestId = client.awaitAccepted(drop.volumeId(), datasetTag, ACCEPT_TIMEOUT);
            if (requestId.isEmpty()) {
                out.println("ingest did not accept " + drop.imageKey() + " within " + ACCEPT_TIMEOUT.toMinutes()
                        + " min; see " + stack.logs().get("ingest-service") + " and ./triplane status");
                ok = false;
                continue;
            }
            out.println("request " + requestId.get() + " (dataset tag " + datasetTag + ")");
            out.flush();
            Outcome outcome = client.await(drop.volumeId(), requestId.get(), timeout, s -> {
                out.println("  " + StatusTable.progress(s));
                out.flush();
            });
            long endToEndMs = System.currentTimeMillis() - drop.droppedAt();
            ok &= report(out, stack, outcome, endToEndMs);
        }
        out.flush();
        return ok;
    }

    /** Puts each sample's labels, then its image, under the inbox with ingest's naming rule. */
    private static List<Drop> drop(PrintWriter out, StackInfo stack) throws IOException {
        Path samples = Home.root().resolve(SAMPLES);
        JsonNode dataset = JsonMapper.builder().build().readTree(samples.resolve("dataset.json").toFile());
        String inbox = ObjectKeys.load().inboxPrefix() + INBOX_FOLDER;
        List<Drop> drops = new ArrayList<>();
        try (ObjectStore store = new MinioObjectStore(stack.s3(), stack.bucket())) {
            for (JsonNode c : dataset.path("cases")) {
                Path image = samples.resolve(c.path("image").asString());
                String name = CaseFiles.stem(image);
                String imageKey = inbox + image.getFileName();
                String labelsKey = null;
                if (c.hasNonNull("labels")) {
                    Path labels = samples.resolve(c.path("labels").asString());
                    // The rule pairs <name>_seg.nii.gz with <name>.nii.gz in the same folder; labels go first, so
                    // the image is never seen without them.
                    labelsKey = inbox + name + "_seg" + extension(labels);
                    store.put(labelsKey, labels, "application/octet-stream");
                }
                String volumeId;
                try (InputStream in = Files.newInputStream(image)) {
                    volumeId = ObjectKeys.volumeId(in);
                }
                store.put(imageKey, image, "application/octet-stream");
                // dropped = in the bucket: the clock starts when the put returns, not with this JVM's first upload
                long droppedAt = System.currentTimeMillis();
                out.println("dropped s3://" + stack.bucket() + "/" + imageKey
                        + (labelsKey == null ? "" : " with s3://" + stack.bucket() + "/" + labelsKey));
                drops.add(new Drop(c.path("id").asString(), imageKey, volumeId, droppedAt));
            }
        }
        out.flush();
        return drops;
    }

    private static boolean report(PrintWriter out, StackInfo stack, Outcome outcome, long endToEndMs) {
        for (ErrorEvent e : outcome.errors()) {
            out.println("error: " + e.stage() + " " + e.reason() + ": " + e.detail());
        }
        if (!outcome.finished()) {
            out.println("no result after the timeout; see the logs under "
                    + Path.of(stack.logs().get("ingest-service")).getParent());
            return false;
        }
        if (!outcome.succeeded()) {
            out.println("the request ended " + outcome.status().state() + ": " + outcome.status().detail());
            return false;
        }
        MetricsReady metrics = outcome.metrics();
        if (metrics != null) {
            out.println();
            MetricsTable.print(out, metrics.structures(), metrics.aggregate());
        }
        SegmentationReady segmentation = outcome.segmentation();
        out.println();
        out.println("results (bucket " + stack.bucket() + ", on disk under " + stack.bucketFolder() + "):");
        if (segmentation != null) {
            out.println("  segmentation  " + segmentation.segmentationKey()
                    + (segmentation.partial() ? "  (PARTIAL: axes " + segmentation.axes() + ")" : ""));
            out.println("  uncertainty   " + segmentation.uncertaintyKey());
        }
        if (metrics != null) {
            out.println("  metrics       " + metrics.metricsKey());
        }
        timings(out, outcome.axisResults(), endToEndMs);
        return true;
    }

    /** End-to-end time and the axis jobs' own split, to show how much of it is not the engine computing. */
    private static void timings(PrintWriter out, List<AxisResult> results, long endToEndMs) {
        long load = 0;
        long compute = 0;
        long store = 0;
        long total = 0;
        for (AxisResult r : results) {
            load += r.timings().loadMs();
            compute += r.timings().computeMs();
            store += r.timings().storeMs();
            total += r.timings().totalMs();
        }
        out.println();
        out.printf(Locale.ROOT, "end to end (image dropped -> metrics received): %.1f s%n", endToEndMs / 1e3);
        out.printf(Locale.ROOT,
                "axis jobs (%d, summed): SAM2 compute %.1f s, load %.1f s, store %.1f s, job total %.1f s%n",
                results.size(), compute / 1e3, load / 1e3, store / 1e3, total / 1e3);
        out.printf(Locale.ROOT, "outside the engine's compute: %.1f s = %.1f%% of end to end (ingest, queues, "
                        + "load/store, fusion, metrics; exact with one worker, whose axes run in turn)%n",
                (endToEndMs - compute) / 1e3, 100.0 * (endToEndMs - compute) / endToEndMs);
    }

    /** {@code .nii.gz} or {@code .nii}. */
    private static String extension(Path file) {
        return file.getFileName().toString().substring(CaseFiles.stem(file).length());
    }
}
