package dev.triplane.cli.stack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The pipeline's services as the local launcher runs them: the one list of modules, jars, heaps and the
 * arguments that differ per service. Start order is declaration order; stop order the reverse.
 */
public enum Service {
    // Heaps a clinical-size CT (512x512x300, 117 structures) fits (benchmarks/run scale): they leave room on the
    // 2-core, 24 GiB reference machine for ONNX Runtime's native memory outside the worker's heap (about 3.3 GiB
    // for SAM2.1 tiny), the broker and s3proxy. Metrics holds both label maps as int32 (315 MB each on that CT):
    // G1 places such arrays in any free regions, where the serial collector's old generation, two thirds of 1 GB,
    // could not hold them both.
    INGEST("ingest-service", "1g", "-XX:+UseSerialGC"),
    AXIS_WORKER("axis-worker", "4g", "-XX:+UseParallelGC"),
    FUSION("fusion-service", "2g", "-XX:+UseParallelGC"),
    METRICS("metrics-service", "1g", "-XX:+UseG1GC");

    private final String module;
    private final String defaultHeap;
    private final String collector;

    Service(String module, String defaultHeap, String collector) {
        this.module = module;
        this.defaultHeap = defaultHeap;
        this.collector = collector;
    }

    /** Every service in start order, with {@code workers} axis-workers side by side (a consumer group). */
    public static List<Service> pipeline(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("at least one axis-worker, got " + workers);
        }
        List<Service> services = new ArrayList<>();
        services.add(INGEST);
        services.addAll(Collections.nCopies(workers, AXIS_WORKER));
        services.add(FUSION);
        services.add(METRICS);
        return services;
    }

    /** The Maven module folder, which is also the jar's finalName. */
    public String module() {
        return module;
    }

    /** {@code <repo>/<module>/target/<module>.jar}, the repackaged Spring Boot jar. */
    public Path jar(Path repoRoot) {
        return repoRoot.resolve(module).resolve("target").resolve(module + ".jar");
    }

    /** The maximum heap a launch gives the service unless {@link LaunchSettings#heaps()} names another. */
    public String defaultHeap() {
        return defaultHeap;
    }

    /** The JVM options of a local run: its heap ({@code settings}' or the default) and its collector. */
    List<String> jvmOptions(LaunchSettings settings) {
        return List.of("-Xmx" + settings.heaps().getOrDefault(this, defaultHeap), collector);
    }

    /** The service's own command-line properties for a local run (the stack's and the port come on top). */
    List<String> args(LaunchSettings settings) {
        List<String> args = new ArrayList<>();
        switch (this) {
            // s3proxy sends no bucket notifications: the scanner is the only trigger; listing a local inbox is cheap.
            case INGEST -> {
                args.add("--triplane.ingest.inbox.scan-interval=250ms");
                args.add("--triplane.ingest.request.model=" + settings.model().name());
                if (settings.datasetTag() != null) {
                    args.add("--triplane.ingest.request.dataset-tag=" + settings.datasetTag());
                }
            }
            case AXIS_WORKER -> {
                args.add("--triplane.worker.models-dir=" + settings.model().modelsDir());
                args.add("--triplane.worker.model-cache-dir=" + settings.dataDir().resolve("model-cache"));
                args.add("--triplane.worker.preload=" + settings.model().name());
            }
            case FUSION -> args.add("--triplane.fusion.state-dir=" + settings.dataDir().resolve("fusion-state"));
            case METRICS -> {
                // Only the stack's properties.
            }
        }
        return args;
    }
}
