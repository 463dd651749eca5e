package dev.triplane.worker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The last few decoded volumes by object key: a worker that gets several jobs of one volume in a row (all three
 * axes when it is the only worker, another request of the same scan) reads and reorients it once.
 * Objects under a key never change (volume keys are content hashes), so entries need no invalidation.
 */
final class LruCache<V> {

    private final Map<String, V> entries;

    LruCache(int capacity) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The cached value of {@code key}, or {@code load}'s, cached (a failed load caches nothing). */
    synchronized V get(String key, Function<String, V> load) {
        V value = entries.get(key);
        if (value == null) {
            value = load.apply(key);
            entries.put(key, value);
        }
        return value;
    }

    /** Drops every entry. */
    synchronized void clear() {
        entries.clear();
    }
}
