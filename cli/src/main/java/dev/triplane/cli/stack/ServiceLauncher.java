package dev.triplane.cli.stack;

import dev.triplane.infra.local.ChildJvm;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Starts service fat jars as child JVMs pointed at a local stack, each on a free loopback port with its log
 * under {@code <data>/logs/}, restarts one that dies ({@link #supervise}) and stops them in reverse order. The
 * children run under infra's
 * {@code ParentWatch}: they exit when this JVM dies, even by SIGKILL.
 */
public final class ServiceLauncher implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Spring's graceful shutdown finishes in-flight work well within this. */
    private static final long STOP_GRACE_SECONDS = 30;

    private final List<RunningService> running;
    private final String ingestToken;
    private volatile boolean closed;

    private ServiceLauncher(List<RunningService> running, String ingestToken) {
        this.running = running;
        this.ingestToken = ingestToken;
    }

    /**
     * Starts {@code services} in order and returns once each reports {@code UP} on {@code /actuator/health};
     * stops what it started when one fails or is not up in {@code readyTimeout}.
     *
     * @param stackProperties the stack's Spring properties ({@code LocalStack.serviceProperties()})
     */
    public static ServiceLauncher start(List<Service> services, Map<String, String> stackProperties,
                                        LaunchSettings settings, Duration readyTimeout) throws IOException {
        requireJars(services, settings.repoRoot());
        Path logs = Files.createDirectories(settings.dataDir().toAbsolutePath().resolve("logs"));
        List<RunningService> started = new ArrayList<>();
        ServiceLauncher launcher = new ServiceLauncher(started, newToken());
        try {
            for (Service service : services) {
                int port = ChildJvm.freePort();
                List<String> args = new ArrayList<>();
                new TreeMap<>(stackProperties).forEach((key, value) -> args.add("--" + key + "=" + value));
                args.add("--server.port=" + port);
                args.addAll(service.args(settings));
                // a second instance of a service (two workers) is named and logged apart: axis-worker-2
                long instance = started.stream().filter(r -> r.service() == service).count() + 1;
                String name = instance == 1 ? service.module() : service.module() + "-" + instance;
                // the GC log shows how near its heap a service ran (the scale benchmark reads its peaks from it)
                Path gcLog = logs.resolve(name + ".gc.log");
                List<String> jvmOptions = new ArrayList<>(service.jvmOptions(settings));
                jvmOptions.add("-Xlog:gc:file=" + gcLog);
                // ingest's API takes this run's token only; it travels in the environment, never on a command line
                Map<String, String> environment = service != Service.INGEST ? Map.of()
                        : Map.of("TRIPLANE_INGEST_AUTH_MODE", "token", "TRIPLANE_INGEST_AUTH_TOKEN",
                                launcher.ingestToken);
                Path jar = service.jar(settings.repoRoot());
                started.add(new RunningService(service, name, port, gcLog, () -> ChildJvm.startBootJar(name, jar,
                        jvmOptions, args, environment, settings.dataDir().toAbsolutePath(),
                        logs.resolve(name + ".log")), line -> System.err.println("triplane: " + line)));
            }
            long deadline = System.nanoTime() + readyTimeout.toNanos();
            for (RunningService service : started) {
                awaitUp(service, deadline, readyTimeout);
            }
            return launcher;
        } catch (IOException | RuntimeException e) {
            launcher.close();
            throw e;
        }
    }

    /** Throws, naming the build command, when a service's jar has not been built. */
    public static void requireJars(List<Service> services, Path repoRoot) throws IOException {
        for (Service service : services) {
            Path jar = service.jar(repoRoot);
            if (!Files.isRegularFile(jar)) {
                throw new IOException(jar + " is missing: build it with ./triplane (or mvn -pl " + service.module()
                        + " -am package -DskipTests)");
            }
        }
    }

    /**
     * The bearer token ingest-service's API takes in this run ({@code Authorization: Bearer <token>}): 256 random
     * bits, new for every launch.
     */
    public String ingestToken() {
        return ingestToken;
    }

    /** The services, in start order. */
    public List<RunningService> running() {
        return List.copyOf(running);
    }

    public RunningService get(Service service) {
        return running.stream().filter(r -> r.service() == service).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(service + " was not started"));
    }

    /**
     * Restarts each service that died (on its port, with its arguments; with backoff, {@code Supervised}), as
     * compose's {@code restart: unless-stopped}; called periodically by the one supervising thread, never after
     * {@link #close}. Returns whether it restarted one now.
     */
    public boolean supervise() {
        boolean restarted = false;
        for (RunningService service : running) {
            restarted |= !closed && service.supervision().check();
        }
        return restarted;
    }

    /** Stops the services in reverse start order (SIGTERM, SIGKILL after 30 s); returns once all are gone. */
    @Override
    public void close() {
        closed = true;
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).process().stop(STOP_GRACE_SECONDS);
        }
    }

    private static String newToken() {
        byte[] bits = new byte[32];
        new SecureRandom().nextBytes(bits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    private static void awaitUp(RunningService service, long deadline, Duration timeout) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(service.url() + "/actuator/health"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        try {
            while (true) {
                service.process().checkAlive();
                try {
                    HttpResponse<String> response = http.send(probe, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200
                            && "UP".equals(JSON.readTree(response.body()).path("status").asString())) {
                        return;
                    }
                } catch (IOException | JacksonException e) {
                    // Not listening yet, or answering before its health endpoint is ready.
                }
                if (System.nanoTime() > deadline) {
                    throw service.process().failure("not UP after " + timeout.toSeconds() + " s");
                }
                Thread.sleep(500);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + service.service().module(), e);
        }
    }
}
