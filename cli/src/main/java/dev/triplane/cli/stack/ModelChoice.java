package dev.triplane.cli.stack;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The SAM2 export the workers run: a folder {@code modelsDir/name} holding the exporter's {@code manifest.json}.
 *
 * @param modelsDir the workers' {@code triplane.worker.models-dir}
 * @param name      the request's model, a folder under it
 * @param micro     whether it is the committed random-weight micro model (its masks mean nothing)
 */
public record ModelChoice(Path modelsDir, String name, boolean micro) {

    static final String MICRO = "sam2-micro";

    /** The committed micro model of the repository, or the export in {@code folder} when one is given. */
    public static ModelChoice of(Path repoRoot, Path folder) {
        if (folder == null) {
            return new ModelChoice(repoRoot.resolve("models").toAbsolutePath().normalize(), MICRO, true);
        }
        Path dir = folder.toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("manifest.json"))) {
            throw new IllegalArgumentException(
                    folder + " holds no manifest.json: not a SAM2 export of tools/sam2_export");
        }
        return new ModelChoice(dir.getParent(), dir.getFileName().toString(), false);
    }

    /** One line for users: which model and what it means. */
    public String describe() {
        return micro
                ? "SAM2 model: " + name + " (committed micro model with RANDOM weights: the pipeline runs for real, "
                        + "the masks and metrics mean nothing; --model DIR runs a real export)"
                : "SAM2 model: " + name + " (" + modelsDir.resolve(name) + ")";
    }
}
