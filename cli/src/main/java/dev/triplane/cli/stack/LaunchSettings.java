package dev.triplane.cli.stack;

import java.nio.file.Path;

/**
 * What the local launcher needs besides the stack.
 *
 * @param repoRoot   the repository, whose {@code <module>/target} folders hold the service jars
 * @param dataDir    logs, Kafka Streams state and the model cache go under it
 * @param model      the SAM2 export the workers run and ingest names in its requests
 * @param datasetTag ingest's default dataset tag, or null for its own default
 */
public record LaunchSettings(Path repoRoot, Path dataDir, ModelChoice model, String datasetTag) {
}
