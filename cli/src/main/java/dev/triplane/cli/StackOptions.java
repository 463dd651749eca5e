package dev.triplane.cli;

import dev.triplane.cli.stack.StackInfo;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --stack-dir DIR}, shared by the commands that start or talk to a local pipeline; named apart from
 * {@code ablate --data}, which is a dataset.
 */
final class StackOptions {

    @Option(names = "--stack-dir", paramLabel = "DIR",
            description = "data folder of the local pipeline (broker, S3 objects, logs, stack.json); "
                    + "default .triplane/ in the repository")
    private Path data;

    Path dataDir() {
        return (data != null ? data : Home.root().resolve(".triplane")).toAbsolutePath().normalize();
    }

    /** The running pipeline's {@code stack.json}; refused when the process that wrote it is gone (killed). */
    StackInfo stack() throws IOException {
        return running(dataDir());
    }

    /** The {@code stack.json} under {@code dataDir}, refused when the process that wrote it is gone. */
    static StackInfo running(Path dataDir) throws IOException {
        StackInfo stack = StackInfo.read(dataDir);
        Long launcher = stack.pids().get("triplane");
        if (launcher != null && ProcessHandle.of(launcher).map(p -> !p.isAlive()).orElse(true)) {
            throw new IOException(dataDir.resolve(StackInfo.FILE) + " is stale: the triplane process " + launcher
                    + " that started that pipeline is gone; start one with ./triplane up");
        }
        return stack;
    }
}
