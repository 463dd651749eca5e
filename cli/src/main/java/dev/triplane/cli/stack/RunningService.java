package dev.triplane.cli.stack;

import dev.triplane.infra.local.ChildJvm;
import java.nio.file.Path;

/**
 * A service started by the {@link ServiceLauncher}: its child JVM, the loopback port it serves on and its GC log
 * (unified logging, tag {@code gc}: every collection with the heap before and after it).
 */
public record RunningService(Service service, ChildJvm process, int port, Path gcLog) {

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
}
