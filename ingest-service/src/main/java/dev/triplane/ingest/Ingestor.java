package dev.triplane.ingest;

import dev.triplane.core.dicom.DicomSource;
import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.CascadePlan;
import dev.triplane.core.events.CascadeStage;
import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.events.Reason;
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
import dev.triplane.core.prompts.Cascade;
import dev.triplane.core.prompts.PromptCoverage;
import dev.triplane.core.prompts.PromptFile;
import dev.triplane.core.prompts.PromptFileException;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.MemoryModel;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.EventPublisher;
import dev.triplane.infra.service.FaultPoints;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.PublishException;
import dev.triplane.infra.service.TriplaneProperties;
import dev.triplane.infra.service.RequestEnd;
import dev.triplane.infra.Topic;
import dev.triplane.infra.storage.ObjectStore;
import dev.triplane.infra.storage.ObjectStoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPInputStream;
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

    private static final Logger LOG = LoggerFactory.getLogger(Ingestor.class);
    private static final String GZIP = "application/gzip";
    /** The observation (a span, with tracing) of one scan's ingest. */
    static final String OBSERVATION = "triplane.ingest";

    private final ObjectStore store;
    private final ObjectKeys keys;
    private final NiftiReader reader;
    private final LabelTable table;
    private final EventPublisher events;
    private final JsonMapper json;
    private final Path workDir;
    private final long maxPromptFileBytes;
    private final boolean scrubHeaderText;
    private final Counter accepted;
    private final MeterRegistry meters;
    private final JobMeters jobs;
    private final MemoryModel memory;
    private final MemoryModel.Budgets budgets;
    private final ObservationRegistry observations;

    public Ingestor(ObjectStore store, ObjectKeys keys, NiftiReader reader, LabelTable table, EventPublisher events,
            JsonMapper json, IngestProperties properties, TriplaneProperties triplane, JobMeters jobs,
            MeterRegistry meters, ObservationRegistry observations) {
        this.observations = observations;
        this.store = store;
        this.keys = keys;
        this.reader = reader;
        this.table = table;
        this.events = events;
        this.json = json;
        this.workDir = properties.inbox().workDir();
        this.maxPromptFileBytes = properties.uploads().maxPromptFileSize().toBytes();
        this.scrubHeaderText = triplane.privacy().scrubHeaderText();
        this.meters = meters;
        this.jobs = jobs;
        this.memory = properties.memory().model();
        this.budgets = properties.memory().budgets();
        this.accepted = Counter.builder("triplane.ingest.volumes").description("volumes accepted and published")
                .register(meters);
    }

    /**
     * Ingests one scan with the given request. Prompts come from the scan's prompt file or 3D Slicer markups when it
     * has one (structures: those the file prompts, each on at least one requested axis or the scan is refused with
     * {@code UNPROMPTED_AXIS}; stored in version 1 form; a structure prompted on some requested axes only makes the
     * request a {@link Cascade}: the jobs of the prompted axes are published and the second stage's planned for
     * fusion), otherwise from its reference labels (structures: those holding
     * voxels); reference labels, when present, are validated and stored for the metrics either way. Timed as an
     * {@code INGEST} job ({@link JobMeters}) with the {@link IngestResult.Outcome} as outcome, and observed as
     * {@value #OBSERVATION}: the request's trace starts here (within the HTTP request's trace for an upload), so
     * every record of the request, the axis jobs and all that follows them, carries one trace id.
     */
    public IngestResult ingest(Scan scan, RequestSpec request) {
        return ingest(scan, request, null, null);
    }

    /**
     * {@link #ingest(Scan, RequestSpec)} of a volume read from a DICOM series ({@link DicomIngest}): its
     * {@link DicomSource} is stored at {@link ObjectKeys#dicomSource} before anything is published (fusion writes a
     * DICOM SEG for every volume that has one), and {@code statusDetail} goes with the {@code ACCEPTED} status.
     *
     * @param dicom        the source series, or null for a NIfTI scan
     * @param statusDetail the accepted status' detail, or null
     */
    IngestResult ingest(Scan scan, RequestSpec request, DicomSource dicom, String statusDetail) {
        return Observation.createNotStarted(OBSERVATION, observations).observe(() -> {
            try (JobMeters.Job job = jobs.start(Stage.INGEST)) {
                IngestResult result = validateAndPublish(scan, request, dicom, statusDetail);
                job.outcome(result.outcome().name());
                return result;
            }
        });
    }

    private IngestResult validateAndPublish(Scan scan, RequestSpec request, DicomSource dicom, String statusDetail) {
        String volumeId = digest(scan.image(), scan.imageSource());
        try {
            for (String name : new String[] {scan.imageSource(), scan.labelsSource(), scan.promptsSource()}) {
                Optional<String> unsafe = name == null ? Optional.empty() : ObjectKeys.unsafeName(name);
                if (unsafe.isPresent()) {
                    String shown = ObjectKeys.printable(name);
                    return reject(shown, volumeId, Reason.BAD_OBJECT_KEY, "the key " + unsafe.get());
                }
            }
            if (scan.prompts() != null && Files.size(scan.prompts()) > maxPromptFileBytes) {
                return reject(scan.promptsSource(), volumeId, Reason.TOO_LARGE, "a prompt file may hold at most "
                        + maxPromptFileBytes + " bytes (triplane.ingest.uploads.max-prompt-file-size)");
            }
            Checked checked = check(scan);
            Grid grid = checked.grid();
            BitSet present = checked.present();
            BitSet available;
            String promptsDigest = "";
            List<StructurePrompts> filePrompts = null;
            if (scan.prompts() != null) {
                try (InputStream in = Files.newInputStream(scan.prompts())) {
                    filePrompts = PromptFile.read(in, scan.promptsSource(), grid, table);
                } catch (PromptFileException e) {
                    return reject(scan.promptsSource(), volumeId, Reason.BAD_PROMPTS, e.getMessage());
                }
                available = promptedIds(filePrompts);
                promptsDigest = digest(scan.prompts(), scan.promptsSource());
            } else if (present == null) {
                return reject(scan.imageSource(), volumeId, Reason.NO_PROMPTS, "neither reference labels"
                        + " (<name>_seg.nii.gz) nor a prompt file (<name>.prompts.json) to derive prompts from");
            } else {
                available = present;
            }
            int[] structures;
            try {
                structures = request.resolveStructures(table, available);
            } catch (IllegalArgumentException e) {
                return reject(scan.imageSource(), volumeId, Reason.BAD_REQUEST, e.getMessage());
            }
            Cascade.Split split = null;
            if (filePrompts != null) {
                // a structure prompted on some requested axes runs as a cascade; one prompted on none cannot run
                Map<Integer, List<Axis>> nowhere = PromptCoverage.promptedNowhere(filePrompts, structures,
                        request.axes());
                if (!nowhere.isEmpty()) {
                    return reject(scan.promptsSource(), volumeId, Reason.UNPROMPTED_AXIS,
                            scan.promptsSource() + ": " + PromptCoverage.describe(nowhere, table)
                                    + "; prompt each structure on at least one requested axis (the others are"
                                    + " derived from its first stage) or request other axes");
                }
                split = Cascade.split(filePrompts, structures, request.axes());
            }
            boolean cascade = split != null && split.cascades();
            String requestId = request.requestId(structures, promptsDigest, cascade);
            if (store.exists(keys.request(volumeId, requestId))) {
                LOG.info("{}: volume {} request {} already ingested", scan.imageSource(), volumeId, requestId);
                return new IngestResult(IngestResult.Outcome.ALREADY_INGESTED, volumeId, requestId, null, null);
            }
            List<String> over = memory.overBudget(grid, structures.length, checked.labelBytes(structures), budgets);
            if (!over.isEmpty()) {
                return reject(scan.imageSource(), volumeId, Reason.RESOURCE_LIMIT, "volume " + volumeId + " ("
                        + grid.nx() + "x" + grid.ny() + "x" + grid.nz() + ") with " + structures.length
                        + " structures: " + String.join("; ", over));
            }
            putCanonical(scan.image(), keys.image(volumeId));
            if (dicom != null) {
                store.put(keys.dicomSource(volumeId), json.writeValueAsBytes(dicom), "application/json");
            }
            String labelsKey = null;
            if (scan.labels() != null) {
                labelsKey = keys.labels(volumeId);
                putCanonical(scan.labels(), labelsKey);
            }
            PromptPolicy prompts = request.prompts();
            if (scan.prompts() != null) {
                prompts = PromptPolicy.fromFile(keys.prompts(volumeId, requestId));
                // stored as checked, in version 1 form: the worker reads no world coordinates nor markups
                store.put(prompts.promptFileKey(), PromptFile.canonical(filePrompts), "application/json");
            }
            VolumeAccepted event = new VolumeAccepted(VolumeAccepted.CURRENT_VERSION, volumeId, requestId,
                    scan.imageSource(), keys.image(volumeId), labelsKey, List.of(grid.nx(), grid.ny(), grid.nz()),
                    Arrays.stream(grid.spacing()).boxed().toList(), Orientation.of(grid.affine()).axisCodes(),
                    request.datasetTag(), Arrays.stream(structures).boxed().toList());
            List<AxisJob> firstJobs = firstStage(event, request, prompts, split);
            if (cascade) {
                // before the first stage's jobs: its fusion publishes the second stage from this plan
                store.put(keys.cascadePlan(volumeId, requestId), json.writeValueAsBytes(new CascadePlan(
                        CascadePlan.CURRENT_VERSION, prompts.promptFileKey(), request.prompts(),
                        secondStage(firstJobs.get(0), split))), "application/json");
            }
            FaultPoints.reach("ingest.after-copies");
            publish(event, firstJobs, grid, statusDetail);
            store.put(keys.request(volumeId, requestId), json.writeValueAsBytes(event), "application/json");
            accepted.increment();
            LOG.info("{}: accepted volume {} request {} ({} structures, {} axes, prompts from {})", scan.imageSource(),
                    volumeId, requestId, structures.length, request.axes().size(), prompts.source());
            return new IngestResult(IngestResult.Outcome.ACCEPTED, volumeId, requestId, null, null);
        } catch (InvalidVolumeException e) {
            if (e.reason().retry() == Reason.Retry.OUTAGE_BACKOFF) {
                // the local copy could not be read: not the scan's fault, the caller retries
                throw new IngestUnavailableException(e.getMessage(), e);
            }
            return reject(e.object(), volumeId, e.reason(), e.getMessage());
        } catch (ObjectStoreException e) {
            throw new IngestUnavailableException(scan.imageSource() + ": object store: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local copy of " + scan.promptsSource(), e);
        }
    }

    /**
     * Rejects a scan whose ingest failed {@code attempts} times (an upload: once) with an unforeseen error
     * ({@code RETRIES_EXHAUSTED}: an error event and a REJECTED status), so nothing waits on it.
     */
    public IngestResult gaveUp(Scan scan, int attempts, RuntimeException failure) {
        return gaveUp(scan.imageSource(), digest(scan.image(), scan.imageSource()), attempts, failure);
    }

    /** {@link #gaveUp(Scan, int, RuntimeException)} of the input {@code object}, under {@code volumeId}. */
    IngestResult gaveUp(String object, String volumeId, int attempts, RuntimeException failure) {
        return reject(object, volumeId, Reason.RETRIES_EXHAUSTED, gaveUpDetail(attempts, failure));
    }

    /** What a {@code RETRIES_EXHAUSTED} error says of the last failure. */
    static String gaveUpDetail(int attempts, RuntimeException failure) {
        return (attempts == 1 ? "failed: " : "failed " + attempts + " times: ") + failure;
    }

    /**
     * The image grid, the ids the labels hold (null without labels) and the labels' stored datatype.
     *
     * @throws InvalidVolumeException for an invalid image or labels, or labels on another grid
     */
    Checked check(Scan scan) {
        return check(reader, scan);
    }

    /** What {@link #check(Scan)} does, with the given reader: the validation the fuzz corpus runs in-process. */
    static Checked check(NiftiReader reader, Scan scan) {
        NiftiImage image = read(reader, scan.image(), scan.imageSource());
        image.requireImageValues();
        if (scan.labels() == null) {
            return new Checked(image.grid(), null, null);
        }
        NiftiImage labels = read(reader, scan.labels(), scan.labelsSource());
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

    /**
     * The jobs ingest publishes: one per requested axis on every structure, or, for a cascade, one per prompted axis
     * on the structures prompted there.
     */
    private static List<AxisJob> firstStage(VolumeAccepted event, RequestSpec request, PromptPolicy prompts,
            Cascade.Split split) {
        boolean cascade = split != null && split.cascades();
        CascadeStage stage = cascade ? new CascadeStage(1, split.firstAxes(), split.secondStage())
                : CascadeStage.single(request.axes());
        List<AxisJob> jobs = new ArrayList<>();
        for (Axis axis : stage.axes()) {
            jobs.add(new AxisJob(AxisJob.CURRENT_VERSION, event.volumeId(), event.requestId(), axis, request.axes(),
                    event.imageKey(), event.labelsKey(), cascade ? split.firstStage().get(axis) : event.structures(),
                    prompts, request.memoryPolicy(), request.model(), request.datasetTag(), stage));
        }
        return jobs;
    }

    /** A cascade's second-stage jobs: every structure, on prompts fusion stores under the stage's prompt file key. */
    private List<AxisJob> secondStage(AxisJob first, Cascade.Split split) {
        PromptPolicy prompts = PromptPolicy.fromFile(keys.cascadePrompts(first.volumeId(), first.requestId()));
        List<Integer> structures = split.firstStage().values().stream().flatMap(List::stream).distinct().sorted()
                .toList();
        return split.secondStage().stream().map(axis -> new AxisJob(AxisJob.CURRENT_VERSION, first.volumeId(),
                first.requestId(), axis, first.requestAxes(), first.imageKey(), first.labelsKey(), structures, prompts,
                first.memoryPolicy(), first.model(), first.datasetTag(), first.stage().next())).toList();
    }

    /** @param detail what the status says besides the stage plan (the other series of a DICOM study), or null */
    private void publish(VolumeAccepted event, List<AxisJob> jobs, Grid grid, String detail) {
        Grid ras = Reorientation.toRas(grid).target();
        List<VolumeStatus.AxisProgress> progress = new ArrayList<>();
        List<CompletableFuture<?>> sends = new ArrayList<>();
        sends.add(events.publish(Topic.VOLUMES, event.volumeId(), event));
        for (AxisJob job : jobs) {
            // keyed per axis so the three jobs of a volume spread over partitions and run on workers side by side
            sends.add(events.publish(Topic.AXIS_JOBS, event.volumeId() + "/" + job.axis().id(), job));
        }
        CascadeStage stage = jobs.get(0).stage();
        for (Axis axis : jobs.get(0).requestAxes()) {
            progress.add(new VolumeStatus.AxisProgress(axis, 0, ras.shape()[axis.arrayAxis()]));
        }
        String plan = stage.cascades() ? stage.describe() + "; then stage 2 on prompts derived from its fusion: "
                + String.join(", ", stage.nextAxes().stream().map(Axis::id).toList()) : null;
        String said = plan == null ? detail : detail == null ? plan : plan + "; " + detail;
        sends.add(events.publish(Topic.STATUS, event.volumeId(), new VolumeStatus(VolumeStatus.CURRENT_VERSION,
                event.volumeId(), event.requestId(), VolumeStatus.State.ACCEPTED, Stage.INGEST, progress, said)));
        events.await(event.source(), sends);
    }

    /**
     * Publishes the error event and a {@code REJECTED} status of an invalid scan ({@link RequestEnd}).
     *
     * @param object the object at fault (the image, or its labels)
     */
    IngestResult reject(String object, String volumeId, Reason reason, String detail) {
        RequestEnd end = RequestEnd.of(Stage.INGEST, reason, object, detail, volumeId, null, List.of());
        // a bad drop of a volume accepted before (e.g. without its labels) must not overwrite its status
        events.end(store.list(keys.requestMarkers(volumeId)).isEmpty() ? end : end.errorOnly());
        meters.counter("triplane.ingest.rejected", "reason", reason.name()).increment();
        return new IngestResult(IngestResult.Outcome.REJECTED, volumeId, null, reason, detail);
    }

    private static NiftiImage read(NiftiReader reader, Path file, String object) {
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

    /**
     * Stores a file under a {@code .nii.gz} key, compressing it first when it is plain {@code .nii}; with
     * {@code triplane.privacy.scrub-header-text}, a copy without the header's text and extensions
     * ({@link NiftiWriter#copyWithoutText}) where it has any, so no later reader of the bucket sees them.
     */
    private void putCanonical(Path file, String key) {
        try {
            boolean scrub = scrubHeaderText && holdsText(file, key);
            if (isGzip(file) && !scrub) {
                store.put(key, file, GZIP);
                return;
            }
            Path gz = Files.createTempFile(workDir, "canonical", ".nii.gz");
            try {
                try (InputStream in = Files.newInputStream(file);
                     InputStream plain = isGzip(file) ? new GZIPInputStream(in, 1 << 16) : in;
                     OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz), 1 << 16)) {
                    if (scrub) {
                        NiftiWriter.copyWithoutText(plain, out, key);
                    } else {
                        plain.transferTo(out);
                    }
                }
                store.put(key, gz, GZIP);
            } finally {
                Files.deleteIfExists(gz);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + key, e);
        }
    }

    private static boolean holdsText(Path file, String key) throws IOException {
        try (InputStream in = Files.newInputStream(file);
             InputStream plain = isGzip(file) ? new GZIPInputStream(in, 1 << 16) : in) {
            return NiftiWriter.holdsText(plain, key);
        }
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }
}
