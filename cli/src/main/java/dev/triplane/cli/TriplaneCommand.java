package dev.triplane.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code triplane} command: one subcommand per user action. */
@Command(
        name = "triplane",
        mixinStandardHelpOptions = true,
        version = "triplane 0.1.0",
        description = "Zero-shot 3D CT segmentation with SAM2.",
        subcommands = {MetricsCommand.class, AblateCommand.class})
public final class TriplaneCommand {

    public static void main(String[] args) {
        System.exit(new CommandLine(new TriplaneCommand()).execute(args));
    }
}
