package dev.triplane.cli.stack;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the local launcher needs besides the stack.
 *
 * @param repoRoot   the repository, whose {@code <module>/target} folders hold the service jars
 * @param dataDir    logs, Kafka Streams state and the model cache go under it
 * @param model      the SAM2 export the workers run and ingest names in its requests
 * @param datasetTag ingest's default dataset tag, or null for its own default
 * @param heaps      maximum heap per service in {@code -Xmx} syntax ({@code 512m}, {@code 2g}) where a run wants
 *                   another than {@link Service#defaultHeap()}: tests that prove a service fits a small heap
 */
public record LaunchSettings(Path repoRoot, Path dataDir, ModelChoice model, String datasetTag,
                             Map<Service, String> heaps) {

    public LaunchSettings {
        heaps = Map.copyOf(heaps);
        heaps.forEach((service, heap) -> {
            if (!heap.matches("[1-9][0-9]*[kKmMgG]?")) {
                throw new IllegalArgumentException(service.module() + " heap '" + heap + "' is not -Xmx syntax");
            }
        });
    }

    /** Every service on its default heap. */
    public LaunchSettings(Path repoRoot, Path dataDir, ModelChoice model, String datasetTag) {
        this(repoRoot, dataDir, model, datasetTag, Map.of());
    }
}
