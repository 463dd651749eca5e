package dev.triplane.cli;

import java.io.IOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code triplane} command: one subcommand per user action. */
@Command(
        name = "triplane",
        mixinStandardHelpOptions = true,
        version = "triplane 0.1.0",
        description = "Zero-shot 3D CT segmentation with SAM2.",
        subcommands = {DemoCommand.class, UpCommand.class, SubmitCommand.class, StatusCommand.class,
                MetricsCommand.class, AblateCommand.class, PromptsCommand.class,
                InfoCommand.class})
public final class TriplaneCommand {

    /** Expected failures (no stack running, a missing jar, a service that did not start) print one message. */
    private static int failed(Exception e, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof IOException || e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            command.getErr().println("triplane " + command.getCommandName() + ": " + e.getMessage());
            return 1;
        }
        throw e;
    }

    public static void main(String[] args) {
        // The Kafka clients log through slf4j-simple: errors only, on standard error (they warn about every
        // connection refused while the local broker starts).
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
        System.exit(new CommandLine(new TriplaneCommand()).setExecutionExceptionHandler(TriplaneCommand::failed)
                .execute(args));
    }
}
