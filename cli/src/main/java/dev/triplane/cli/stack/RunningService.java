package dev.triplane.cli.stack;

import dev.triplane.infra.local.ChildJvm;
import dev.triplane.infra.local.Supervised;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A service started by the {@link ServiceLauncher}: its child JVM (a new one after each restart), the loopback
 * port it serves on (kept across restarts, so its URL stays valid) and its GC log (unified logging, tag
 * {@code gc}: every collection with the heap before and after it).
 */
public final class RunningService {

    /** Starts the service's JVM with the arguments of its first start. */
    interface Launch {
        ChildJvm start() throws IOException;
    }

    private final Service service;
    private final int port;
    private final Path gcLog;
    private final Launch launch;
    private final Supervised restarts;
    private volatile ChildJvm process;

    RunningService(Service service, String name, int port, Path gcLog, Launch launch, Consumer<String> log)
            throws IOException {
        this.service = service;
        this.port = port;
        this.gcLog = gcLog;
        this.launch = launch;
        this.process = launch.start();
        this.restarts = new Supervised(name, () -> process.isAlive(), () -> process = this.launch.start(), log);
    }

    public Service service() {
        return service;
    }

    /** The current JVM: a restart replaces it. */
    public ChildJvm process() {
        return process;
    }

    public int port() {
        return port;
    }

    public Path gcLog() {
        return gcLog;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return process.log();
    }

    /** How often the service was restarted after dying. */
    public int restarts() {
        return restarts.restarts();
    }

    /** The restart policy ({@link ServiceLauncher#supervise}). */
    Supervised supervision() {
        return restarts;
    }
}
