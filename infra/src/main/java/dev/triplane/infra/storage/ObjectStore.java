package dev.triplane.infra.storage;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An S3-style object store bound to one bucket. Keys are {@code /}-separated paths without a leading slash.
 *
 * <p>Every method throws {@link ObjectStoreException} on failure, flagged retryable when a retry may succeed
 * (network error, server error, throttling). Retrying is left to callers, which know their deadlines.
 */
public interface ObjectStore extends AutoCloseable {

    /** The bucket this store reads and writes. */
    String bucket();

    /** Creates the bucket if it does not exist. */
    void ensureBucket();

    /** Stores {@code bytes} under {@code key}, replacing any object there. */
    void put(String key, byte[] bytes, String contentType);

    /** Stores a file's content under {@code key}, replacing any object there. */
    void put(String key, Path file, String contentType);

    /**
     * Stores {@code size} bytes of {@code in} under {@code key} (replacing any object there); {@code size} -1
     * means unknown, uploaded in parts. The stream is read but not closed.
     */
    void put(String key, InputStream in, long size, String contentType);

    /**
     * Opens an object for reading; the caller closes the stream.
     *
     * @throws NoSuchObjectException if there is no object under {@code key}
     */
    InputStream get(String key);

    /** Size, time and tag of an object, or empty if there is none under {@code key}. */
    Optional<ObjectInfo> stat(String key);

    /** Whether an object exists under {@code key}. */
    default boolean exists(String key) {
        return stat(key).isPresent();
    }

    /** All objects whose key starts with {@code prefix} (recursively), in key order. */
    List<ObjectInfo> list(String prefix);

    /** Removes an object; removing a missing object is not an error. */
    void delete(String key);

    /** Releases the client's connections and threads. */
    @Override
    void close();
}
