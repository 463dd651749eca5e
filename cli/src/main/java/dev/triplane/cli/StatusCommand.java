package dev.triplane.cli;

import dev.triplane.cli.pipeline.PipelineClient;
import dev.triplane.cli.stack.StackInfo;
import dev.triplane.core.events.VolumeStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code triplane status}: one volume's status from ingest, or every volume's from the status topic. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Status and per-axis progress of one volume (ID or a unique prefix) or of every volume.")
final class StatusCommand implements Callable<Integer> {

    private static final int VOLUME_ID_LENGTH = 64;

    @Spec
    private CommandSpec spec;

    @Mixin
    private StackOptions stackOptions;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "volumeId or a unique prefix of it")
    private String id;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StackInfo stack = stackOptions.stack();
        PipelineClient client = new PipelineClient(stack);
        if (id == null) {
            Map<String, VolumeStatus> all = client.statuses();
            StatusTable.print(out, all.values());
            out.println(all.size() + " volumes");
            out.println("restarts after a crash: " + (stack.restarts().isEmpty() ? "none counted"
                    : stack.restarts().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                            .collect(Collectors.joining(", "))));
            return 0;
        }
        String volumeId = id;
        if (id.length() < VOLUME_ID_LENGTH) {
            // The table shows 12 digits; find the volume they name on the topic.
            List<String> matches = client.statuses().keySet().stream().filter(v -> v.startsWith(id)).toList();
            if (matches.size() != 1) {
                err.println(matches.isEmpty() ? "no volume starts with " + id
                        : id + " names " + matches.size() + " volumes");
                return 2;
            }
            volumeId = matches.get(0);
        }
        Optional<VolumeStatus> status = client.status(volumeId);
        if (status.isEmpty()) {
            err.println("unknown volume " + volumeId);
            return 2;
        }
        out.println("volumeId " + volumeId);
        StatusTable.print(out, List.of(status.get()));
        return 0;
    }
}
