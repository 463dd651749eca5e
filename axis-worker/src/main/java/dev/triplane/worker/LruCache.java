package dev.triplane.worker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The last few decoded volumes by object key: the three axis jobs of a request usually reach the same worker
 * in a row (they share the volume's partition), so the volume is read and reoriented once, not three times.
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
}
