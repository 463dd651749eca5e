package dev.triplane.cli.stack;

import dev.triplane.infra.local.ChildJvm;
import java.nio.file.Path;

/** A service started by the {@link ServiceLauncher}: its child JVM and the loopback port it serves on. */
public record RunningService(Service service, ChildJvm process, int port) {

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
