package dev.triplane.ingest;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Orientation;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiDatatype;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.prompts.PromptFile;
import dev.triplane.core.prompts.PromptFileException;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.InvalidVolumeException.Reason;
import dev.triplane.core.volume.MemoryModel;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.EventPublisher;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.PublishException;
import dev.triplane.infra.Topic;
import dev.triplane.infra.storage.ObjectStore;
import dev.triplane.infra.storage.ObjectStoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * Ingests one scan held in local files: names it by content hash, validates image, labels and prompt file with
 * {@code core},
 * stores the canonical copies, publishes {@link VolumeAccepted}, one {@link AxisJob} per axis and a
 * {@link VolumeStatus}, then writes the request marker ({@link ObjectKeys#request}). A request whose marker exists
 * is not published again. Invalid input, and a request whose {@link MemoryModel} estimate exceeds a later
 * service's budget ({@code RESOURCE_LIMIT}), publishes an {@link ErrorEvent} and a {@code REJECTED} status and is
 * never retried; store failures throw {@link IngestUnavailableException}, broker failures {@link PublishException}, for
 * the caller to retry.
 *
 * <p>Events are published before the marker is written, so a crash in between publishes the request again on
 * the next attempt (at-least-once; every later step writes deterministic keys).
 */
@Service
public class Ingestor {

    /** Reason of a scan with neither reference labels nor a prompt file: no prompts to start from. */
    public static final String NO_PROMPTS = "NO_PROMPTS";
    /** Reason of a prompt file that {@link PromptFile} refuses; the error names the file and field. */
    public static final String BAD_PROMPTS = "BAD_PROMPTS";
    /** Reason of structures that select nothing, or an unknown structure or group. */
    public static final String BAD_REQUEST = "BAD_REQUEST";

    private static final Logger LOG = LoggerFactory.getLogger(Ingestor.class);
    private static final String GZIP = "application/gzip";

    private final ObjectStore store;
    private final ObjectKeys keys;
    private final NiftiReader reader;
    private final LabelTable table;
    private final EventPublisher events;
    private final JsonMapper json;
    private final Path workDir;
    private final Counter accepted;
    private final MeterRegistry meters;
    private final JobMeters jobs;
    private final MemoryModel memory;
    private final MemoryModel.Budgets budgets;

    public Ingestor(ObjectStore store, ObjectKeys keys, NiftiReader reader, LabelTable table, EventPublisher events,
            JsonMapper json, IngestProperties properties, JobMeters jobs, MeterRegistry meters) {
        this.store = store;
        this.keys = keys;
        this.reader = reader;
        this.table = table;
        this.events = events;
        this.json = json;
        this.workDir = properties.inbox().workDir();
        this.meters = meters;
        this.jobs = jobs;
        this.memory = properties.memory().model();
        this.budgets = properties.memory().budgets();
        this.accepted = Counter.builder("triplane.ingest.volumes").description("volumes accepted and published")
                .register(meters);
    }

    /**
     * Ingests one scan with the given request. Prompts come from the scan's prompt file when it has one
     * (structures: those the file prompts), otherwise from its reference labels (structures: those holding
     * voxels); reference labels, when present, are validated and stored for the metrics either way. Timed as an
     * {@code INGEST} job ({@link JobMeters}) with the {@link IngestResult.Outcome} as outcome.
     */
    public IngestResult ingest(Scan scan, RequestSpec request) {
        try (JobMeters.Job job = jobs.start(Stage.INGEST)) {
            IngestResult result = validateAndPublish(scan, request);
            job.outcome(result.outcome().name());
            return result;
        }
    }

    private IngestResult validateAndPublish(Scan scan, RequestSpec request) {
        String volumeId = digest(scan.image(), scan.imageSource());
        try {
            Checked checked = check(scan);
            Grid grid = checked.grid();
            BitSet present = checked.present();
            BitSet available;
            String promptsDigest = "";
            if (scan.prompts() != null) {
                try (InputStream in = Files.newInputStream(scan.prompts())) {
                    available = promptedIds(PromptFile.read(in, scan.promptsSource(),
                            Reorientation.toRas(grid).target(), table));
                } catch (PromptFileException e) {
                    return reject(scan.promptsSource(), volumeId, BAD_PROMPTS, e.getMessage());
                }
                promptsDigest = digest(scan.prompts(), scan.promptsSource());
            } else if (present == null) {
                return reject(scan.imageSource(), volumeId, NO_PROMPTS, "neither reference labels (<name>_seg.nii.gz)"
                        + " nor a prompt file (<name>.prompts.json) to derive prompts from");
            } else {
                available = present;
            }
            int[] structures;
            try {
                structures = request.resolveStructures(table, available);
            } catch (IllegalArgumentException e) {
                return reject(scan.imageSource(), volumeId, BAD_REQUEST, e.getMessage());
            }
            String requestId = request.requestId(structures, promptsDigest);
            if (store.exists(keys.request(volumeId, requestId))) {
                LOG.info("{}: volume {} request {} already ingested", scan.imageSource(), volumeId, requestId);
                return new IngestResult(IngestResult.Outcome.ALREADY_INGESTED, volumeId, requestId, null, null);
            }
            List<String> over = memory.overBudget(grid, structures.length, checked.labelBytes(structures), budgets);
            if (!over.isEmpty()) {
                return reject(scan.imageSource(), volumeId, Reason.RESOURCE_LIMIT.name(), "volume " + volumeId + " ("
                        + grid.nx() + "x" + grid.ny() + "x" + grid.nz() + ") with " + structures.length
                        + " structures: " + String.join("; ", over));
            }
            putCanonical(scan.image(), keys.image(volumeId));
            String labelsKey = null;
            if (scan.labels() != null) {
                labelsKey = keys.labels(volumeId);
                putCanonical(scan.labels(), labelsKey);
            }
            PromptPolicy prompts = request.prompts();
            if (scan.prompts() != null) {
                prompts = PromptPolicy.fromFile(keys.prompts(volumeId, requestId));
                store.put(prompts.promptFileKey(), scan.prompts(), "application/json");
            }
            VolumeAccepted event = new VolumeAccepted(VolumeAccepted.CURRENT_VERSION, volumeId, requestId,
                    scan.imageSource(), keys.image(volumeId), labelsKey, List.of(grid.nx(), grid.ny(), grid.nz()),
                    Arrays.stream(grid.spacing()).boxed().toList(), Orientation.of(grid.affine()).axisCodes(),
                    request.datasetTag(), Arrays.stream(structures).boxed().toList());
            dev.triplane.infra.service.FaultPoints.reach("ingest.after-copies");
            publish(event, request, prompts, grid);
            store.put(keys.request(volumeId, requestId), json.writeValueAsBytes(event), "application/json");
            accepted.increment();
            LOG.info("{}: accepted volume {} request {} ({} structures, {} axes, prompts from {})", scan.imageSource(),
                    volumeId, requestId, structures.length, request.axes().size(), prompts.source());
            return new IngestResult(IngestResult.Outcome.ACCEPTED, volumeId, requestId, null, null);
        } catch (InvalidVolumeException e) {
            return reject(e.object(), volumeId, e.reason().name(), e.getMessage());
        } catch (ObjectStoreException e) {
            throw new IngestUnavailableException(scan.imageSource() + ": object store: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local copy of " + scan.promptsSource(), e);
        }
    }

    /**
     * The image grid, the ids the labels hold (null without labels) and the labels' stored datatype.
     *
     * @throws InvalidVolumeException for an invalid image or labels, or labels on another grid
     */
    Checked check(Scan scan) {
        NiftiImage image = read(scan.image(), scan.imageSource());
        image.requireImageValues();
        if (scan.labels() == null) {
            return new Checked(image.grid(), null, null);
        }
        NiftiImage labels = read(scan.labels(), scan.labelsSource());
        NiftiImage.requireSameGrid(image.grid(), labels.grid(), scan.labelsSource());
        return new Checked(image.grid(), presentIds(labels.toLabelVolume().labels()), labels.datatype());
    }

    /**
     * What {@link #check} found in a valid scan.
     *
     * @param labels the reference labels' stored datatype, null without labels
     */
    record Checked(Grid grid, BitSet present, NiftiDatatype labels) {

        /**
         * Bytes per stored voxel of the widest label map metrics-service reads for these structures (the reference
         * labels, or the segmentation fusion writes for them), 0 without reference labels: nothing is measured.
         */
        int labelBytes(int[] structures) {
            if (labels == null) {
                return 0;
            }
            int maxId = Arrays.stream(structures).max().orElse(0);
            return Math.max(labels.bytes(), NiftiWriter.labelDatatype(maxId).bytes());
        }
    }

    private void publish(VolumeAccepted event, RequestSpec request, PromptPolicy prompts, Grid grid) {
        Grid ras = Reorientation.toRas(grid).target();
        List<VolumeStatus.AxisProgress> progress = new ArrayList<>();
        List<CompletableFuture<?>> sends = new ArrayList<>();
        sends.add(events.publish(Topic.VOLUMES, event.volumeId(), event));
        for (Axis axis : request.axes()) {
            // keyed per axis so the three jobs of a volume spread over partitions and run on workers side by side
            sends.add(events.publish(Topic.AXIS_JOBS, event.volumeId() + "/" + axis.id(),
                    new AxisJob(AxisJob.CURRENT_VERSION, event.volumeId(), event.requestId(), axis, request.axes(),
                            event.imageKey(), event.labelsKey(), event.structures(), prompts, request.memoryPolicy(),
                            request.model(), request.datasetTag())));
            progress.add(new VolumeStatus.AxisProgress(axis, 0, ras.shape()[axis.arrayAxis()]));
        }
        sends.add(events.publish(Topic.STATUS, event.volumeId(), new VolumeStatus(VolumeStatus.CURRENT_VERSION,
                event.volumeId(), event.requestId(), VolumeStatus.State.ACCEPTED, Stage.INGEST, progress, null)));
        events.await(event.source(), sends);
    }

    /**
     * Publishes the error event and a {@code REJECTED} status of an invalid scan.
     *
     * @param object the object at fault (the image, or its labels)
     */
    private IngestResult reject(String object, String volumeId, String reason, String detail) {
        LOG.warn("{}: rejected ({}): {}", object, reason, detail);
        List<CompletableFuture<?>> sends = new ArrayList<>();
        sends.add(events.publish(Topic.ERRORS, volumeId, new ErrorEvent(ErrorEvent.CURRENT_VERSION, object,
                Stage.INGEST, reason, false, detail, volumeId, null)));
        // a bad drop of a volume accepted before (e.g. without its labels) must not overwrite its status
        if (store.list(keys.requestMarkers(volumeId)).isEmpty()) {
            sends.add(events.publish(Topic.STATUS, volumeId, new VolumeStatus(VolumeStatus.CURRENT_VERSION,
                    volumeId, null, VolumeStatus.State.REJECTED, Stage.INGEST, List.of(),
                    object + ": " + reason + ": " + detail)));
        }
        events.await(object, sends);
        meters.counter("triplane.ingest.rejected", "reason", reason).increment();
        return new IngestResult(IngestResult.Outcome.REJECTED, volumeId, null, reason, detail);
    }

    private NiftiImage read(Path file, String object) {
        try {
            return reader.read(Files.newInputStream(file), object);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the local copy of " + object, e);
        }
    }

    /** SHA-256 of a file as 64 hex digits: the volumeId of an image. */
    private static String digest(Path file, String object) {
        try (InputStream in = Files.newInputStream(file)) {
            return ObjectKeys.volumeId(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash the local copy of " + object, e);
        }
    }

    private static BitSet promptedIds(List<StructurePrompts> prompts) {
        BitSet ids = new BitSet();
        for (StructurePrompts p : prompts) {
            ids.set(p.structureId());
        }
        return ids;
    }

    /** Ids with at least one voxel, 0 (background) excluded. */
    private static BitSet presentIds(int[] labels) {
        BitSet present = new BitSet();
        for (int id : labels) {
            present.set(id);
        }
        present.clear(0);
        return present;
    }

    /** Stores a file under a {@code .nii.gz} key, compressing it first when it is plain {@code .nii}. */
    private void putCanonical(Path file, String key) {
        try {
            if (isGzip(file)) {
                store.put(key, file, GZIP);
                return;
            }
            Path gz = Files.createTempFile(workDir, "canonical", ".nii.gz");
            try {
                try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz), 1 << 16)) {
                    Files.copy(file, out);
                }
                store.put(key, gz, GZIP);
            } finally {
                Files.deleteIfExists(gz);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + key, e);
        }
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }
}
