package dev.triplane.infra.storage;

import dev.triplane.core.evaluation.CaseVolumes;
import dev.triplane.core.evaluation.Dataset;
import dev.triplane.core.evaluation.DatasetCase;
import dev.triplane.core.evaluation.DatasetLayout;
import dev.triplane.core.evaluation.PairedDataset;
import dev.triplane.core.evaluation.TotalSegmentatorDataset;
import dev.triplane.core.labels.LabelTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Dataset} kept in an object store under a key prefix, in the layouts of the folder datasets, found by the
 * same {@link DatasetLayout}: image + label-map pairs ({@code <prefix>images/<id>.nii.gz} with
 * {@code <prefix>labels/<id>.nii.gz}) or the TotalSegmentator layout ({@code <prefix><case>/ct.nii.gz} with
 * {@code <prefix><case>/segmentations/<structure>.nii.gz}). A {@code dataset.json} manifest is not read here.
 *
 * <p>The objects are listed once, when the dataset is opened. {@link #load} downloads only what the case needs
 * (the pair, or the CT and the requested masks) into the cache folder, at the object's key below the prefix, and
 * reads it with the folder layout's reader, so both kinds of dataset give the same volumes. A cached file is used
 * again while its size and modification time match the listed object; a download goes to a temporary file moved
 * into place, so concurrent loads never read half a file.
 */
public final class ObjectStoreDataset implements Dataset {

    /** The scheme of a dataset location on the command line: {@code s3://bucket/prefix}. */
    public static final String SCHEME = "s3://";

    /**
     * Where a dataset lies in an object store.
     *
     * @param bucket the bucket
     * @param prefix key prefix of the dataset, empty or ending with {@code /}
     */
    public record Location(String bucket, String prefix) {

        public Location {
            if (bucket == null || bucket.isBlank() || bucket.contains("/")) {
                throw new IllegalArgumentException("bucket '" + bucket + "' must be a non-blank name without '/'");
            }
            prefix = normalise(prefix);
        }

        /** Whether {@code spec} names an object-store location rather than a folder. */
        public static boolean isUri(String spec) {
            return spec.startsWith(SCHEME);
        }

        /**
         * Parses {@code s3://bucket} or {@code s3://bucket/prefix}.
         *
         * @throws IllegalArgumentException naming the text when it is not of that form
         */
        public static Location parse(String uri) {
            if (!isUri(uri)) {
                throw new IllegalArgumentException("'" + uri + "' is not an object-store location " + SCHEME
                        + "bucket/prefix");
            }
            String rest = uri.substring(SCHEME.length());
            int slash = rest.indexOf('/');
            try {
                return slash < 0 ? new Location(rest, "") : new Location(rest.substring(0, slash),
                        rest.substring(slash + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + uri + "': " + e.getMessage(), e);
            }
        }

        @Override
        public String toString() {
            return SCHEME + bucket + "/" + prefix;
        }
    }

    private final ObjectStore store;
    private final Location location;
    private final LabelTable table;
    private final Path cacheDir;
    private final boolean pairs;
    /** Listed objects by key below the prefix. */
    private final Map<String, ObjectInfo> objects;
    private final List<DatasetCase> cases;

    private ObjectStoreDataset(ObjectStore store, Location location, LabelTable table, Path cacheDir, boolean pairs,
            Map<String, ObjectInfo> objects, List<DatasetCase> cases) {
        this.store = store;
        this.location = location;
        this.table = table;
        this.cacheDir = cacheDir;
        this.pairs = pairs;
        this.objects = objects;
        this.cases = cases;
    }

    /**
     * Lists the dataset under {@code prefix} of the store's bucket; the layout is image + label-map pairs when
     * both {@code images/} and {@code labels/} hold objects, the TotalSegmentator layout otherwise.
     *
     * @param prefix key prefix; a missing trailing {@code /} is added
     * @param table label table of the reference ids
     * @param cacheDir local folder for the downloaded files of this dataset (one folder per dataset)
     * @throws IllegalArgumentException naming the location or object when the prefix holds neither layout, an
     *     image has no label map (or the reverse), or a case has no {@code segmentations/}
     */
    public static ObjectStoreDataset open(ObjectStore store, String prefix, LabelTable table, Path cacheDir) {
        Location location = new Location(store.bucket(), prefix);
        Map<String, ObjectInfo> objects = new HashMap<>();
        for (ObjectInfo o : store.list(location.prefix())) {
            objects.put(o.key().substring(location.prefix().length()), o);
        }
        DatasetLayout layout = DatasetLayout.parse(objects.keySet(), location.toString());
        List<DatasetCase> cases = layout.cases().stream()
                .map(c -> new DatasetCase(c.id(), cacheDir.resolve(c.image()), cacheDir.resolve(c.labels()))).toList();
        return new ObjectStoreDataset(store, location, table, cacheDir, layout.pairs(), Map.copyOf(objects), cases);
    }

    @Override
    public String source() {
        return location.toString();
    }

    @Override
    public List<DatasetCase> cases() {
        return cases;
    }

    @Override
    public LabelTable table() {
        return table;
    }

    /**
     * Downloads what the case needs (unless cached) and reads it.
     *
     * @throws IllegalArgumentException naming the object when a requested mask is not in the store
     * @throws ObjectStoreException when a download fails
     */
    @Override
    public CaseVolumes load(DatasetCase c, int[] structureIds) {
        if (!cases.contains(c)) {
            throw new IllegalArgumentException("case " + c + " is not a case of " + location);
        }
        fetch(c.image());
        if (pairs) {
            fetch(c.labels());
            return PairedDataset.read(c, structureIds);
        }
        for (int id : structureIds) {
            String name = table.nameOf(id);
            Path mask = c.labels().resolve(name + ".nii.gz");
            if (!objects.containsKey(keyOf(mask))) {
                throw new IllegalArgumentException("case '" + c.id() + "': mask of structure '" + name + "' (id " + id
                        + ") " + location + keyOf(mask) + " is missing");
            }
            fetch(mask);
        }
        return TotalSegmentatorDataset.read(c, structureIds, table);
    }

    /** The key below the prefix of a file in the cache. */
    private String keyOf(Path cached) {
        return cacheDir.relativize(cached).toString().replace('\\', '/');
    }

    private void fetch(Path target) {
        ObjectInfo object = objects.get(keyOf(target));
        try {
            if (Files.isRegularFile(target) && Files.size(target) == object.size() && (object.lastModified() == null
                    || Files.getLastModifiedTime(target).toInstant().equals(object.lastModified()))) {
                return;
            }
            Files.createDirectories(target.getParent());
            Path partial = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".partial");
            try {
                try (InputStream in = store.get(object.key())) {
                    Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                }
                if (object.lastModified() != null) {
                    Files.setLastModifiedTime(partial, FileTime.from(object.lastModified()));
                }
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot download " + location + keyOf(target) + " to " + target, e);
        }
    }

    private static String normalise(String prefix) {
        String p = prefix == null ? "" : prefix;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }
}
