package dev.triplane.core.sam2;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An exported SAM2 model: the four graph adapters, the constants and the manifest's configuration, loaded
 * from one directory ({@code manifest.json}, {@code constants.json}, {@code *.onnx}, {@code *.bin}) after
 * checking every file's SHA-256 against the manifest.
 *
 * <p>DJL is kept offline ({@code ai.djl.offline=true} unless the caller set it): no network at run time.
 * Not thread-safe; one instance per worker thread.
 */
public final class Sam2Model implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Sam2Config config;
    private final Sam2Constants constants;
    private final List<OrtGraph> graphs;
    private final ImageEncoder imageEncoder;
    private final MemoryAttention memoryAttention;
    private final SamHeads samHeads;
    private final MemoryEncoder memoryEncoder;

    private Sam2Model(Sam2Config config, Sam2Constants constants, List<OrtGraph> graphs, int encoderBatch) {
        this.config = config;
        this.constants = constants;
        this.graphs = graphs;
        this.imageEncoder = new ImageEncoder(graphs.get(0), config, encoderBatch);
        this.memoryAttention = new MemoryAttention(graphs.get(1), config);
        this.samHeads = new SamHeads(graphs.get(2), config);
        this.memoryEncoder = new MemoryEncoder(graphs.get(3), config);
    }

    /** Loads {@code dir} on the CPU with ONNX Runtime's default threads (the object store's entry point). */
    public static Sam2Model load(Path dir) throws IOException {
        return load(dir, Sam2Options.cpu());
    }

    /**
     * Loads {@code dir}.
     *
     * @throws IOException a file is missing or unreadable, or its SHA-256 differs from the manifest's
     *     (the message names the file)
     */
    public static Sam2Model load(Path dir, Sam2Options options) throws IOException {
        if (options.cuda()) {
            // once per model, before its files are hashed: what is missing, not a failure inside a session
            CudaRuntime.require(options.deviceId());
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        JsonNode manifest = readJson(dir.resolve("manifest.json"));
        Sam2Config config = Sam2Config.fromManifest(manifest);
        if (options.encoderBatch() > 1 && !batchedEncoder(manifest)) {
            throw new IOException("SAM2 model " + dir + " takes one frame per image-encoder run (its export has a "
                    + "fixed batch of 1): re-export it with tools/sam2_export or set the encoder batch to 1");
        }
        for (Map.Entry<String, String> e : config.sha256().entrySet()) {
            verify(dir.resolve(e.getKey()), e.getValue());
        }
        JsonNode constantsFile = manifest.get("constants");
        Sam2Constants constants = Sam2Constants.load(dir,
                readJson(dir.resolve(constantsFile == null ? "constants.json" : constantsFile.asString())), config);
        List<OrtGraph> graphs = new ArrayList<>();
        try {
            for (String g : Sam2Config.GRAPHS) {
                graphs.add(OrtGraph.load(dir, g, config.graphFiles().get(g), options));
            }
        } catch (IOException | RuntimeException e) {
            graphs.forEach(OrtGraph::close);
            throw e;
        }
        return new Sam2Model(config, constants, List.copyOf(graphs), options.encoderBatch());
    }

    /** Whether the image encoder's input has a named (dynamic) batch axis rather than a fixed 1. */
    private static boolean batchedEncoder(JsonNode manifest) {
        JsonNode image = manifest.path("graphs").path("image_encoder").path("inputs").path(0).path("shape").path(0);
        return image.isString();
    }

    public Sam2Config config() {
        return config;
    }

    public Sam2Constants constants() {
        return constants;
    }

    public ImageEncoder imageEncoder() {
        return imageEncoder;
    }

    public MemoryAttention memoryAttention() {
        return memoryAttention;
    }

    public SamHeads samHeads() {
        return samHeads;
    }

    public MemoryEncoder memoryEncoder() {
        return memoryEncoder;
    }

    /**
     * Wall time spent in each graph since loading, in nanoseconds, in {@link Sam2Config#GRAPHS} order
     * (image encoder, memory attention, SAM heads, memory encoder), input and output copies included.
     */
    public long[] graphNanos() {
        long[] out = new long[graphs.size()];
        for (int g = 0; g < out.length; g++) {
            out[g] = graphs.get(g).nanos();
        }
        return out;
    }

    @Override
    public void close() {
        graphs.forEach(OrtGraph::close);
    }

    private static JsonNode readJson(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return JSON.readTree(in);
        } catch (NoSuchFileException e) {
            throw new IOException("SAM2 model file missing: " + file, e);
        }
    }

    private static void verify(Path file, String expected) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        } catch (NoSuchFileException e) {
            throw new IOException("SAM2 model file missing: " + file, e);
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equalsIgnoreCase(expected)) {
            throw new IOException("SAM2 model file " + file + " has SHA-256 " + actual + ", the manifest expects "
                    + expected + " (corrupt or replaced; re-export or re-download the model)");
        }
    }
}
