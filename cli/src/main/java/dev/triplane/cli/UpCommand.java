package dev.triplane.cli;

import dev.triplane.cli.stack.LaunchSettings;
import dev.triplane.cli.stack.LocalPipeline;
import dev.triplane.cli.stack.ModelChoice;
import dev.triplane.cli.stack.Service;
import dev.triplane.cli.stack.StackInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code triplane up}: the local pipeline (broker, S3 server, the four services) until Ctrl-C. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = "Start a local Kafka broker, an S3 server and the four services; write DIR/stack.json; "
                + "run until Ctrl-C.")
final class UpCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private StackOptions stackOptions;

    @Mixin
    private LaunchOptions launch;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        LocalPipeline pipeline = start(out, stackOptions.dataDir(), launch, null);
        runUntilInterrupted(out, pipeline);
        return 0;
    }

    /** Starts every service on a local stack under {@code dataDir}, telling the user what runs where. */
    static LocalPipeline start(PrintWriter out, Path dataDir, LaunchOptions launch, String datasetTag)
            throws IOException {
        Path root = Home.root();
        ModelChoice choice = ModelChoice.of(root, launch.model);
        List<Service> services = Service.pipeline(launch.workers);
        out.println(choice.describe());
        out.println("starting the local stack and " + services.size() + " services in " + dataDir + " ...");
        out.flush();
        long started = System.nanoTime();
        LocalPipeline pipeline = LocalPipeline.start(new LaunchSettings(root, dataDir, choice, datasetTag), services);
        StackInfo info = pipeline.info();
        out.printf("ready in %.0f s%n", (System.nanoTime() - started) / 1e9);
        out.println("  kafka   " + info.kafka().bootstrapServers());
        out.println("  s3      " + info.s3().url() + "  bucket " + info.bucket() + "  (objects on disk: "
                + info.bucketFolder() + ")");
        out.println("  ingest  " + info.ingestUrl() + "  (API token: ingestToken in stack.json)");
        info.logs().forEach((name, log) -> {
            if (info.pids().containsKey(name)) {
                out.println("  " + name + "  pid " + info.pids().get(name) + "  log " + log);
            }
        });
        out.println("  stack   " + dataDir.resolve(StackInfo.FILE));
        out.flush();
        return pipeline;
    }

    /** Blocks until the JVM is told to exit (Ctrl-C, SIGTERM); the shutdown hook stops everything in order. */
    static void runUntilInterrupted(PrintWriter out, LocalPipeline pipeline) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("triplane: stopping the services and the local stack ...");
            pipeline.close();
            stopped.countDown();
        }, "triplane-stop"));
        out.println("running; Ctrl-C stops everything");
        out.flush();
        stopped.await();
    }
}
