package dev.triplane.cli.stack;

import dev.triplane.infra.local.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code triplane up} and {@code demo} run on this machine: the local stack (KRaft broker and
 * s3proxy) and the services on it, described in {@code <data>/stack.json} while they run.
 */
public final class LocalPipeline implements AutoCloseable {

    /** Four Spring Boot services starting at once on two cores take about a minute; a cold machine more. */
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);

    private final Path dataDir;
    private final LocalStack stack;
    private final ServiceLauncher services;
    private final StackInfo info;

    private LocalPipeline(Path dataDir, LocalStack stack, ServiceLauncher services, StackInfo info) {
        this.dataDir = dataDir;
        this.stack = stack;
        this.services = services;
        this.info = info;
    }

    /** Starts the stack under {@code settings.dataDir()}, then {@code services}, and writes {@code stack.json}. */
    public static LocalPipeline start(LaunchSettings settings, List<Service> services) throws IOException {
        ServiceLauncher.requireJars(services, settings.repoRoot());
        Path dataDir = Files.createDirectories(settings.dataDir().toAbsolutePath());
        LocalStack stack = LocalStack.start(dataDir);
        try {
            ServiceLauncher launcher = ServiceLauncher.start(services, stack.serviceProperties(), settings,
                    READY_TIMEOUT);
            Map<String, Long> pids = new LinkedHashMap<>();
            Map<String, String> logs = new LinkedHashMap<>();
            pids.put("triplane", ProcessHandle.current().pid());
            for (RunningService service : launcher.running()) {
                pids.put(service.process().name(), service.pid());
                logs.put(service.process().name(), service.log().toString());
            }
            logs.put("kafka", stack.brokerLog().toString());
            logs.put("s3", stack.s3Log().toString());
            StackInfo info = new StackInfo(stack.kafka(), stack.s3(), stack.bucket(),
                    stack.bucketFolder().toString(),
                    services.contains(Service.INGEST) ? launcher.get(Service.INGEST).url() : null,
                    launcher.ingestToken(), pids, logs);
            info.write(dataDir);
            return new LocalPipeline(dataDir, stack, launcher, info);
        } catch (IOException | RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    public StackInfo info() {
        return info;
    }

    /** Removes {@code stack.json}, stops the services in reverse order, then the broker and the S3 server. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(dataDir.resolve(StackInfo.FILE));
        } catch (IOException e) {
            // A stale stack.json only makes a later submit fail to connect.
        }
        services.close();
        stack.close();
    }
}
