package dev.triplane.infra.storage;

import dev.triplane.infra.ObjectKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * SAM2 export folders ({@code tools/sam2_export}: manifest, constants, graphs) kept in the object store under
 * {@link ObjectKeys#model}, so workers on any machine run the model a job names without a local copy. A model is
 * fetched once into a local cache folder; {@code Sam2Model.load} then checks every file's SHA-256 against the
 * manifest, so a damaged download is refused by name, never run.
 */
public final class ModelStore {

    private final ObjectStore store;
    private final ObjectKeys keys;

    public ModelStore(ObjectStore store, ObjectKeys keys) {
        this.store = store;
        this.keys = keys;
    }

    /** Uploads every file of an export folder (flat, as the exporter writes it) under the model's prefix. */
    public void publish(Path exportDir, String name) throws IOException {
        String prefix = keys.model(name);
        if (!Files.isRegularFile(exportDir.resolve("manifest.json"))) {
            throw new IOException(exportDir + " is not a SAM2 export: no manifest.json");
        }
        try (Stream<Path> files = Files.list(exportDir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                store.put(prefix + file.getFileName(), file, "application/octet-stream");
            }
        }
    }

    /**
     * The local folder of model {@code name}: {@code cacheDir/name}, downloaded first when absent. Downloads go to
     * a private folder moved into place at the end, so concurrent workers never see a half-written model.
     *
     * @throws NoSuchObjectException when the store holds no such model
     */
    public Path fetch(String name, Path cacheDir) throws IOException {
        String prefix = keys.model(name);
        Path target = cacheDir.resolve(name);
        if (Files.isRegularFile(target.resolve("manifest.json"))) {
            return target;
        }
        List<ObjectInfo> objects = store.list(prefix);
        if (objects.stream().noneMatch(o -> o.key().equals(prefix + "manifest.json"))) {
            throw new NoSuchObjectException(store.bucket(), prefix + "manifest.json", null);
        }
        Files.createDirectories(cacheDir);
        Path partial = Files.createTempDirectory(cacheDir, "." + name + ".partial-");
        try {
            for (ObjectInfo object : objects) {
                String file = object.key().substring(prefix.length());
                if (file.isEmpty() || file.contains("/") || file.startsWith(".")) {
                    throw new IOException("model " + name + ": object " + object.key() + " is not a file of a flat "
                            + "export folder");
                }
                try (InputStream in = store.get(object.key())) {
                    Files.copy(in, partial.resolve(file));
                }
            }
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // another worker may have finished first: its copy is the same model
                if (!Files.isRegularFile(target.resolve("manifest.json"))) {
                    throw e;
                }
            }
            return target;
        } finally {
            deleteTree(partial);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
