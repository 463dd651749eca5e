package dev.triplane.fusion;

import dev.triplane.infra.storage.NoSuchObjectException;
import dev.triplane.infra.storage.ObjectInfo;
import dev.triplane.infra.storage.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** An object store in memory, for unit tests of the fusion step. */
final class MemoryObjectStore implements ObjectStore {

    final Map<String, byte[]> objects = new ConcurrentSkipListMap<>();

    @Override
    public String bucket() {
        return "memory";
    }

    @Override
    public void ensureBucket() {
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        objects.put(key, bytes.clone());
    }

    @Override
    public void put(String key, Path file, String contentType) {
        try {
            objects.put(key, Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void put(String key, InputStream in, long size, String contentType) {
        try {
            objects.put(key, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public InputStream get(String key) {
        byte[] bytes = objects.get(key);
        if (bytes == null) {
            throw new NoSuchObjectException(bucket(), key, null);
        }
        return new ByteArrayInputStream(bytes);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        return Optional.ofNullable(objects.get(key)).map(b -> new ObjectInfo(key, b.length, Instant.EPOCH, "-"));
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return objects.keySet().stream().filter(k -> k.startsWith(prefix)).map(k -> stat(k).orElseThrow()).toList();
    }

    @Override
    public void delete(String key) {
        objects.remove(key);
    }

    @Override
    public void close() {
    }
}
