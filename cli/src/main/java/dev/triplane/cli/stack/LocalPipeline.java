package dev.triplane.cli.stack;

import dev.triplane.infra.local.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Everything {@code triplane up} and {@code demo} run on this machine: the local stack (KRaft broker and
 * s3proxy) and the services on it, described in {@code <data>/stack.json} while they run. One thread supervises
 * them all: a service, the broker or the S3 server that dies is started again (with backoff) on its port, and
 * {@code stack.json} is rewritten with the new pids and the restart counts.
 */
public final class LocalPipeline implements AutoCloseable {

    /** Four Spring Boot services starting at once on two cores take about a minute; a cold machine more. */
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    private static final long SUPERVISE_EVERY_MS = 500;

    private final Path dataDir;
    private final LocalStack stack;
    private final ServiceLauncher services;
    private final ScheduledExecutorService supervisor;
    private volatile StackInfo info;

    private LocalPipeline(Path dataDir, LocalStack stack, ServiceLauncher services) throws IOException {
        this.dataDir = dataDir;
        this.stack = stack;
        this.services = services;
        this.info = describe();
        info.write(dataDir);
        this.supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "triplane-supervisor");
            t.setDaemon(true);
            return t;
        });
        supervisor.scheduleWithFixedDelay(this::supervise, SUPERVISE_EVERY_MS, SUPERVISE_EVERY_MS,
                TimeUnit.MILLISECONDS);
    }

    /** Starts the stack under {@code settings.dataDir()}, then {@code services}, and writes {@code stack.json}. */
    public static LocalPipeline start(LaunchSettings settings, List<Service> services) throws IOException {
        return start(settings, services, Map.of());
    }

    /**
     * {@link #start(LaunchSettings, List)} with {@code properties} given to every service on top of the stack's
     * (a harness's fault-point folder, worker threads).
     */
    public static LocalPipeline start(LaunchSettings settings, List<Service> services, Map<String, String> properties)
            throws IOException {
        ServiceLauncher.requireJars(services, settings.repoRoot());
        Path dataDir = Files.createDirectories(settings.dataDir().toAbsolutePath());
        LocalStack stack = LocalStack.start(dataDir);
        try {
            Map<String, String> all = new HashMap<>(stack.serviceProperties());
            all.putAll(properties);
            ServiceLauncher launcher = ServiceLauncher.start(services, all, settings, READY_TIMEOUT);
            try {
                return new LocalPipeline(dataDir, stack, launcher);
            } catch (IOException | RuntimeException e) {
                launcher.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    public StackInfo info() {
        return info;
    }

    /** The broker and the S3 server (a chaos harness kills the one and stops the other). */
    public LocalStack stack() {
        return stack;
    }

    /** The services, in start order (their current processes). */
    public List<RunningService> services() {
        return services.running();
    }

    private void supervise() {
        try {
            if (stack.supervise() | services.supervise()) {
                info = describe();
                info.write(dataDir);
            }
        } catch (IOException | RuntimeException e) {
            // the next round tries again; a dead supervisor thread would restart nothing
            System.err.println("triplane: supervisor: " + e);
        }
    }

    private StackInfo describe() {
        Map<String, Long> pids = new LinkedHashMap<>();
        Map<String, String> logs = new LinkedHashMap<>();
        Map<String, Integer> restarts = new LinkedHashMap<>();
        pids.put("triplane", ProcessHandle.current().pid());
        for (RunningService service : services.running()) {
            pids.put(service.process().name(), service.pid());
            logs.put(service.process().name(), service.log().toString());
            restarts.put(service.process().name(), service.restarts());
        }
        logs.put("kafka", stack.brokerLog().toString());
        logs.put("s3", stack.s3Log().toString());
        restarts.putAll(stack.restarts());
        boolean ingest = services.running().stream().anyMatch(r -> r.service() == Service.INGEST);
        return new StackInfo(stack.kafka(), stack.s3(), stack.bucket(), stack.bucketFolder().toString(),
                ingest ? services.get(Service.INGEST).url() : null, services.ingestToken(), pids, logs, restarts);
    }

    /**
     * Stops supervising (a clean stop restarts nothing), removes {@code stack.json}, stops the services in reverse
     * order, then the broker and the S3 server.
     */
    @Override
    public void close() {
        supervisor.shutdownNow();
        try {
            supervisor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(dataDir.resolve(StackInfo.FILE));
        } catch (IOException e) {
            // A stale stack.json only makes a later submit fail to connect.
        }
        services.close();
        stack.close();
    }
}
