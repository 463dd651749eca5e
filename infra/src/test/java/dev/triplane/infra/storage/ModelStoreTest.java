package dev.triplane.infra.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.sam2.Sam2Model;
import dev.triplane.core.sam2.Sam2Options;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SAM2 exports through a real S3 server: publish, fetch into a cache, load; damage is refused by name. */
class ModelStoreTest {

    private static final Path MICRO = Path.of("..", "models", "sam2-micro");
    private static final LocalStack STACK = SharedLocalStack.get();
    private static final ObjectKeys KEYS = ObjectKeys.load();

    private static ObjectStore store;
    private static ModelStore models;

    @BeforeAll
    static void connect() {
        store = new MinioObjectStore(STACK.s3(), STACK.bucket());
        store.ensureBucket();
        models = new ModelStore(store, KEYS);
    }

    @AfterAll
    static void close() {
        store.close();
    }

    private static String uniqueName() {
        return "micro-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aPublishedModelIsFetchedOnceAndLoads(@TempDir Path cache) throws IOException {
        String name = uniqueName();
        models.publish(MICRO, name);
        Path dir = models.fetch(name, cache);
        assertThat(dir).isEqualTo(cache.resolve(name));
        try (Sam2Model model = Sam2Model.load(dir, Sam2Options.cpu(1))) {
            assertThat(model.config().imageSize()).isPositive();
        }
        // the cached copy serves later jobs without the store
        store.delete(KEYS.model(name) + "manifest.json");
        assertThat(models.fetch(name, cache)).isEqualTo(dir);
        try (var left = Files.list(cache)) {
            assertThat(left).containsExactly(dir);
        }
    }

    @Test
    void aDamagedObjectIsRefusedByNameWhenLoading(@TempDir Path cache) throws IOException {
        String name = uniqueName();
        models.publish(MICRO, name);
        byte[] graph = Files.readAllBytes(MICRO.resolve("sam_heads.onnx"));
        graph[graph.length / 2] ^= 0x40;
        store.put(KEYS.model(name) + "sam_heads.onnx", graph, "application/octet-stream");
        Path dir = models.fetch(name, cache);
        assertThatThrownBy(() -> Sam2Model.load(dir, Sam2Options.cpu(1))).isInstanceOf(IOException.class)
                .hasMessageContaining("sam_heads.onnx");
    }

    @Test
    void anUnknownOrMalformedNameIsRefused(@TempDir Path cache) {
        assertThatThrownBy(() -> models.fetch(uniqueName(), cache)).isInstanceOf(NoSuchObjectException.class)
                .hasMessageContaining("manifest.json");
        assertThatThrownBy(() -> models.fetch("../etc", cache)).isInstanceOf(IllegalArgumentException.class);
        assertThat(cache).isEmptyDirectory();
    }
}
