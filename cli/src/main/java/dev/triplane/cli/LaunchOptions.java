package dev.triplane.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --model DIR} and {@code --workers N}, shared by the commands that start a local pipeline. */
final class LaunchOptions {

    @Option(names = "--model", paramLabel = "DIR",
            description = "a SAM2 export (tools/sam2_export) for the workers; default: the committed micro model")
    Path model;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
            description = "axis-workers side by side (one consumer group); default 1")
    int workers;
}
