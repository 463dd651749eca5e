package dev.triplane.ingest;

import dev.triplane.core.events.Reason;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.PublishException;
import dev.triplane.infra.storage.ObjectInfo;
import dev.triplane.infra.storage.ObjectStore;
import dev.triplane.infra.storage.ObjectStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The reconciliation scanner of the inbox prefix, which works on any S3 server: every pass lists the prefix and
 * ingests each image it has not seen, with the default request.
 *
 * <p>Pairing rule: an image is any {@code .nii} or {@code .nii.gz} object whose name does not end in
 * {@code _seg.nii[.gz]}; in the same folder, {@code <name>_seg.nii.gz} (or {@code _seg.nii}) are its reference
 * labels and {@code <name>.prompts.json} its user prompt file ({@code docs/prompts.md}), or failing that
 * {@code <name>.mrk.json} its 3D Slicer markups (read as prompts the same way). Drop them before (or
 * with) the image: an image found with neither is rejected ({@link Ingestor#NO_PROMPTS}) and taken again once
 * one of them arrives.
 *
 * <p>A {@code <name>.corrections.json} anywhere under the prefix is a correction of a segmented request
 * ({@link CorrectionIntake#submitDrop}), taken once per content like a scan.
 *
 * <p>A scan is remembered by key, size and entity tag of the image, labels and prompt file, so unchanged objects are
 * skipped without reading them; after a restart each is hashed once more and skipped by its request marker, and a
 * rejected one is skipped unread by its {@link ObjectKeys#rejectedScan} marker (written after its error event, so a
 * crash between the two repeats the rejection rather than losing it).
 * Inbox objects are never deleted. A scan that fails for a retryable reason (the store, the broker or the local
 * disk) is retried on the next pass; one that fails otherwise (an unforeseen error) is tried on
 * {@value #MAX_ATTEMPTS} passes, then ends REJECTED with {@code RETRIES_EXHAUSTED}
 * ({@link Ingestor#gaveUp}), so its user does not wait on it forever; the pass goes on with the other scans either
 * way.
 */
@Component
public class InboxScanner {

    private static final Logger LOG = LoggerFactory.getLogger(InboxScanner.class);
    private static final String LABELS_SUFFIX = "_seg";
    private static final String PROMPTS_SUFFIX = ".prompts.json";
    /** 3D Slicer markups, read as prompts when there is no prompt file. */
    private static final String MARKUPS_SUFFIX = ".mrk.json";
    /** The marker that completes a DICOM series dropped as objects under {@code <name>/}. */
    private static final String READY_SUFFIX = ".ready";
    private static final String ZIP_SUFFIX = ".zip";
    /** A correction of a segmented request, naming its volume and request. */
    private static final String CORRECTIONS_SUFFIX = ".corrections.json";

    private final ObjectStore store;
    private final ObjectKeys keys;
    private final Ingestor ingestor;
    private final DicomIngest dicom;
    private final CorrectionIntake corrections;
    private final IngestProperties properties;
    private final RequestSpec defaults;
    private final TaskScheduler scheduler;
    private final JsonMapper json;
    /** Passes a scan failing with an unforeseen error is tried on before it is rejected. */
    static final int MAX_ATTEMPTS = 3;

    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    /** Unforeseen failures per scan fingerprint, until it is rejected. */
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();

    public InboxScanner(ObjectStore store, ObjectKeys keys, Ingestor ingestor, DicomIngest dicom,
            CorrectionIntake corrections, IngestProperties properties, TaskScheduler scheduler, JsonMapper json) {
        this.dicom = dicom;
        this.corrections = corrections;
        this.store = store;
        this.keys = keys;
        this.ingestor = ingestor;
        this.properties = properties;
        this.defaults = RequestSpec.of(properties.request());
        this.scheduler = scheduler;
        this.json = json;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (properties.inbox().enabled()) {
            scheduler.scheduleWithFixedDelay(this::scanSafely, properties.inbox().scanInterval());
            LOG.info("scanning {}{} every {}", store.bucket() + "/", keys.inboxPrefix(),
                    properties.inbox().scanInterval());
        }
    }

    /**
     * One pass over the inbox; returns the number of scans ingested or rejected in it. Passes do not overlap: a
     * call waits for a running pass, so every scan dropped before the call is handled when it returns.
     */
    public synchronized int scan() {
        Map<String, ObjectInfo> objects = new HashMap<>();
        for (ObjectInfo info : store.list(keys.inboxPrefix())) {
            objects.put(info.key(), info);
        }
        int handled = 0;
        for (ObjectInfo image : objects.values()) {
            String stem = stem(image.key());
            if (stem == null || stem.endsWith(LABELS_SUFFIX)) {
                continue;
            }
            ObjectInfo labels = labelsOf(stem, objects);
            ObjectInfo prompts = promptsOf(stem, objects);
            String fingerprint = fingerprint(image) + "+" + fingerprint(labels) + "+" + fingerprint(prompts);
            handled += attempt(fingerprint, image.key(), last -> ingest(image, labels, prompts, last));
        }
        for (ObjectInfo drop : objects.values()) {
            String stem = dicomStem(drop.key());
            if (stem == null) {
                continue;
            }
            boolean zip = drop.key().endsWith(ZIP_SUFFIX);
            List<ObjectInfo> members = zip ? List.of(drop) : objects.values().stream()
                    .filter(o -> o.key().startsWith(stem + "/")).sorted(Comparator.comparing(ObjectInfo::key))
                    .toList();
            ObjectInfo labels = labelsOf(stem, objects);
            ObjectInfo prompts = promptsOf(stem, objects);
            StringBuilder all = new StringBuilder(fingerprint(drop));
            for (ObjectInfo member : members) {
                all.append('+').append(fingerprint(member));
            }
            all.append('+').append(fingerprint(labels)).append('+').append(fingerprint(prompts));
            // a series of hundreds of objects is remembered by the hash of its fingerprint
            String fingerprint = ObjectKeys.volumeId(all.toString().getBytes(StandardCharsets.UTF_8));
            handled += attempt(fingerprint, drop.key(), last -> ingestDicom(zip ? drop.key() : stem + "/", zip,
                    members, labels, prompts, fingerprint, last));
        }
        return handled + corrections(objects);
    }

    /**
     * The corrections dropped since the last pass, each through {@link #attempt} like a scan (its id is its content:
     * sending it twice is harmless).
     */
    private int corrections(Map<String, ObjectInfo> objects) {
        int handled = 0;
        for (ObjectInfo info : objects.values()) {
            if (info.key().endsWith(CORRECTIONS_SUFFIX)) {
                handled += attempt(fingerprint(info), info.key(), last -> correct(info, last));
            }
        }
        return handled;
    }

    private List<IngestResult> correct(ObjectInfo drop, boolean lastAttempt) throws IOException {
        long maxBytes = properties.uploads().maxPromptFileSize().toBytes();
        if (drop.size() > maxBytes) {
            return List.of(corrections.tooLarge(drop.key(), maxBytes).asScanResult());
        }
        byte[] body;
        try (InputStream in = store.get(drop.key())) {
            body = in.readAllBytes();
        }
        return orGiveUp(lastAttempt, () -> List.of(corrections.submitDrop(body, drop.key()).asScanResult()),
                e -> corrections.gaveUp(drop.key(), MAX_ATTEMPTS, e).asScanResult());
    }

    /** One ingest of a scan or drop; {@code lastAttempt}: an unforeseen failure rejects it (see the class). */
    @FunctionalInterface
    private interface Attempt {
        List<IngestResult> run(boolean lastAttempt) throws IOException;
    }

    /**
     * Ingests a scan or drop not seen before; returns 1 when it was handled (ingested or rejected), 0 when it was
     * seen before or is left to the next pass.
     */
    private int attempt(String fingerprint, String key, Attempt attempt) {
        if (seen.contains(fingerprint)) {
            return 0;
        }
        String rejectedMarker = keys.rejectedScan(ObjectKeys.volumeId(fingerprint.getBytes(StandardCharsets.UTF_8)));
        try {
            if (store.exists(rejectedMarker)) {
                seen.add(fingerprint); // rejected before a restart: its error event is out already
                return 0;
            }
            List<IngestResult> results = attempt.run(failures.getOrDefault(fingerprint, 0) + 1 >= MAX_ATTEMPTS);
            if (results.stream().anyMatch(r -> r.outcome() == IngestResult.Outcome.REJECTED)) {
                store.put(rejectedMarker, json.writeValueAsBytes(results.size() == 1 ? results.get(0) : results),
                        "application/json");
            }
            seen.add(fingerprint);
            failures.remove(fingerprint);
            return 1;
        } catch (IngestUnavailableException | PublishException | ObjectStoreException | IOException
                | UncheckedIOException e) {
            // the store, the broker or the local disk failed, not the scan: try it again next pass
            LOG.warn("{}: will retry on the next pass: {}", ObjectKeys.printable(key), e.toString());
        } catch (RuntimeException e) {
            int attempts = failures.merge(fingerprint, 1, Integer::sum);
            LOG.warn("{}: failed ({} of {} attempts): {}", ObjectKeys.printable(key), attempts, MAX_ATTEMPTS,
                    e.toString());
        }
        return 0;
    }

    private static ObjectInfo labelsOf(String stem, Map<String, ObjectInfo> objects) {
        ObjectInfo labels = objects.get(stem + LABELS_SUFFIX + ".nii.gz");
        return labels != null ? labels : objects.get(stem + LABELS_SUFFIX + ".nii");
    }

    private static ObjectInfo promptsOf(String stem, Map<String, ObjectInfo> objects) {
        ObjectInfo prompts = objects.get(stem + PROMPTS_SUFFIX);
        return prompts != null ? prompts : objects.get(stem + MARKUPS_SUFFIX);
    }

    private void scanSafely() {
        try {
            scan();
        } catch (RuntimeException e) {
            // a failed listing (store down) must not cancel the schedule
            LOG.warn("inbox scan failed, retrying in {}: {}", properties.inbox().scanInterval(), e.toString());
        }
    }

    /** @param lastAttempt whether an unforeseen failure rejects the scan instead of leaving it to the next pass */
    private List<IngestResult> ingest(ObjectInfo image, ObjectInfo labels, ObjectInfo prompts, boolean lastAttempt)
            throws IOException {
        Path imageFile = null;
        Path labelsFile = null;
        Path promptsFile = null;
        try {
            imageFile = download(image, Long.MAX_VALUE);
            labelsFile = download(labels, Long.MAX_VALUE);
            // enough of an oversized prompt file for the ingestor to see it is too large, not all of it
            promptsFile = download(prompts, properties.uploads().maxPromptFileSize().toBytes() + 1);
            Scan scan = new Scan(imageFile, image.key(), labelsFile, labels == null ? null : labels.key(),
                    promptsFile, prompts == null ? null : prompts.key());
            return orGiveUp(lastAttempt, () -> List.of(ingestor.ingest(scan, defaults)),
                    e -> ingestor.gaveUp(scan, MAX_ATTEMPTS, e));
        } finally {
            for (Path file : new Path[] {imageFile, labelsFile, promptsFile}) {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * Ingests a DICOM drop: the objects under a folder prefix whose marker arrived, or one zip archive, each
     * streamed from the store (the labels and prompt file are copied first).
     *
     * @param source  the folder prefix ({@code inbox/t/name/}) or the zip's key
     * @param members the zip, or the objects under the prefix in key order
     * @param dropId  the volumeId a refusal of the whole drop is published under
     */
    private List<IngestResult> ingestDicom(String source, boolean zip, List<ObjectInfo> members, ObjectInfo labels,
            ObjectInfo prompts, String dropId, boolean lastAttempt) throws IOException {
        Path labelsFile = null;
        Path promptsFile = null;
        try {
            labelsFile = download(labels, Long.MAX_VALUE);
            promptsFile = download(prompts, properties.uploads().maxPromptFileSize().toBytes() + 1);
            List<String> names = members.stream().map(ObjectInfo::key).toList();
            DicomIngest.StudyRead study = zip ? reader -> reader.readStudyZip(store.get(source), source)
                    : reader -> {
                        for (String name : names) {
                            Optional<String> unsafe = ObjectKeys.unsafeName(name);
                            if (unsafe.isPresent()) {
                                throw new InvalidVolumeException(ObjectKeys.printable(name), Reason.BAD_OBJECT_KEY,
                                        "the key " + unsafe.get());
                            }
                        }
                        return reader.readStudy(names, store::get, source);
                    };
            DicomIngest.DicomScan scan = new DicomIngest.DicomScan(source, dropId, study, labelsFile,
                    labels == null ? null : labels.key(), promptsFile, prompts == null ? null : prompts.key());
            return orGiveUp(lastAttempt, () -> dicom.ingest(scan, defaults),
                    e -> ingestor.gaveUp(source, dropId, MAX_ATTEMPTS, e));
        } finally {
            for (Path file : new Path[] {labelsFile, promptsFile}) {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * Runs an ingest; an unforeseen failure (not of the store, the broker or the disk) on the last attempt rejects
     * the input with {@code gaveUp}, on an earlier one it is thrown for the next pass.
     */
    private static List<IngestResult> orGiveUp(boolean lastAttempt, Supplier<List<IngestResult>> ingest,
            Function<RuntimeException, IngestResult> gaveUp) {
        try {
            return ingest.get();
        } catch (IngestUnavailableException | PublishException | ObjectStoreException | UncheckedIOException e) {
            throw e;
        } catch (RuntimeException e) {
            if (!lastAttempt) {
                throw e;
            }
            return List.of(gaveUp.apply(e));
        }
    }

    /** A local copy of the first {@code maxBytes} of an object, or null for none. */
    private Path download(ObjectInfo object, long maxBytes) throws IOException {
        if (object == null) {
            return null;
        }
        Path file = Files.createTempFile(properties.inbox().workDir(), "inbox", ".part");
        try (InputStream in = store.get(object.key()); OutputStream out = Files.newOutputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            long left = maxBytes;
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
                out.write(buffer, 0, n);
                left -= n;
            }
            return file;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** The key without {@code .nii} or {@code .nii.gz}, or null for any other object. */
    static String stem(String key) {
        if (key.endsWith(".nii.gz")) {
            return key.substring(0, key.length() - ".nii.gz".length());
        }
        return key.endsWith(".nii") ? key.substring(0, key.length() - ".nii".length()) : null;
    }

    /**
     * The drop's name of a DICOM drop's completing object: {@code inbox/t/name} of the marker
     * {@code inbox/t/name.ready} (for the objects under {@code inbox/t/name/}) or of {@code inbox/t/name.zip};
     * null for any other object.
     */
    static String dicomStem(String key) {
        for (String suffix : new String[] {READY_SUFFIX, ZIP_SUFFIX}) {
            String stem = key.endsWith(suffix) ? key.substring(0, key.length() - suffix.length()) : "";
            if (!stem.isEmpty() && !stem.endsWith("/")) {
                return stem;
            }
        }
        return null;
    }

    private static String fingerprint(ObjectInfo info) {
        return info == null ? "-" : info.key() + "|" + info.size() + "|" + info.etag();
    }
}
