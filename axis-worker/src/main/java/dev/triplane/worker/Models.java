package dev.triplane.worker;

import dev.triplane.core.sam2.CudaRuntime;
import dev.triplane.core.sam2.Sam2Model;
import dev.triplane.core.sam2.Sam2Options;
import dev.triplane.infra.storage.ModelStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * The SAM2 models jobs name, loaded once and kept by name: loading verifies every graph's hash and builds the
 * ONNX Runtime sessions, seconds for a real model. A model runs from {@code models-dir/<name>} when that folder
 * holds an export, otherwise from the object store through {@link ModelStore} into {@code model-cache-dir}.
 */
@Component
class Models implements InitializingBean, DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(Models.class);

    private final ModelStore modelStore;
    private final Path modelsDir;
    private final Path cacheDir;
    private final Sam2Options options;
    private final String device;
    private final List<String> preload;
    private final Map<String, Sam2Model> loaded = new HashMap<>();

    Models(ModelStore modelStore, WorkerProperties properties) {
        this.modelStore = modelStore;
        this.modelsDir = properties.modelsFolder();
        this.cacheDir = properties.modelCacheFolder();
        this.options = properties.sam2Options();
        this.device = properties.device();
        this.preload = properties.preload();
    }

    /**
     * Checks a CUDA device is usable and loads the {@code preload} models; a worker that cannot do either fails
     * to start, naming what is missing.
     */
    @Override
    public void afterPropertiesSet() {
        if (options.cuda()) {
            CudaRuntime.require(options.deviceId());
        }
        preload.forEach(this::get);
    }

    /**
     * The model named {@code name}, loaded on first use.
     *
     * @throws dev.triplane.infra.storage.NoSuchObjectException when neither the folder nor the store has it
     */
    synchronized Sam2Model get(String name) {
        Sam2Model model = loaded.get(name);
        if (model != null) {
            return model;
        }
        try {
            Path local = modelsDir.resolve(name);
            boolean fromFolder = Files.isRegularFile(local.resolve("manifest.json"));
            Path dir = fromFolder ? local : modelStore.fetch(name, cacheDir);
            model = Sam2Model.load(dir, options);
            LOG.info("model {} loaded from {} ({}) on {} with {} intra-op threads", name, dir.toAbsolutePath(),
                    fromFolder ? "models-dir" : "object store", device,
                    options.intraOpThreads() == 0 ? "default" : options.intraOpThreads());
        } catch (IOException e) {
            throw new UncheckedIOException("model " + name + ": " + e.getMessage(), e);
        }
        loaded.put(name, model);
        return model;
    }

    @Override
    public synchronized void destroy() {
        loaded.values().forEach(Sam2Model::close);
        loaded.clear();
    }
}
