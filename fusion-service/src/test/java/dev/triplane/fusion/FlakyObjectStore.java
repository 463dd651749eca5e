package dev.triplane.fusion;

import dev.triplane.infra.storage.ObjectInfo;
import dev.triplane.infra.storage.ObjectStore;
import dev.triplane.infra.storage.ObjectStoreException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real store, except that the first read of an object whose key contains {@link #FLAKY} fails as a store
 * briefly down does (a retryable {@link ObjectStoreException}), every read of one under {@link #BROKEN} fails so,
 * and a read under {@link #OOM} throws an {@link OutOfMemoryError} as a fusion too large for the heap does.
 */
final class FlakyObjectStore implements ObjectStore {

    /** Request id whose first object read fails. */
    static final String FLAKY = "r-flaky";
    /** Request id whose every object read fails. */
    static final String BROKEN = "r-broken";
    /** Request id whose object reads run out of memory. */
    static final String OOM = "r-oom";

    private final ObjectStore delegate;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger brokenReads = new AtomicInteger();

    FlakyObjectStore(ObjectStore delegate) {
        this.delegate = delegate;
    }

    /** Reads that failed on purpose. */
    int failures() {
        return failures.get();
    }

    /** Reads of {@link #BROKEN}'s objects, all failed. */
    int brokenReads() {
        return brokenReads.get();
    }

    @Override
    public InputStream get(String key) {
        if (key.contains("/" + FLAKY + "/") && failures.compareAndSet(0, 1)) {
            throw new ObjectStoreException(key + ": injected: connection reset", null, true);
        }
        if (key.contains("/" + BROKEN + "/")) {
            brokenReads.incrementAndGet();
            throw new ObjectStoreException(key + ": injected: connection refused", null, true);
        }
        if (key.contains("/" + OOM + "/")) {
            throw new OutOfMemoryError("injected: Java heap space");
        }
        return delegate.get(key);
    }

    @Override
    public String bucket() {
        return delegate.bucket();
    }

    @Override
    public void ensureBucket() {
        delegate.ensureBucket();
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        delegate.put(key, bytes, contentType);
    }

    @Override
    public void put(String key, Path file, String contentType) {
        delegate.put(key, file, contentType);
    }

    @Override
    public void put(String key, InputStream in, long size, String contentType) {
        delegate.put(key, in, size, contentType);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        return delegate.stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public void delete(String key) {
        delegate.delete(key);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
