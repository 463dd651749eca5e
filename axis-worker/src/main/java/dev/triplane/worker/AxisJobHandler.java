package dev.triplane.worker;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.prompts.LabelPrompts;
import dev.triplane.core.prompts.PromptFile;
import dev.triplane.core.prompts.PromptFileException;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.sam2.AxisSegmenter;
import dev.triplane.core.sam2.Sam2Model;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.service.EventPublisher;
import dev.triplane.infra.service.FaultPoints;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.Outbound;
import dev.triplane.infra.service.RequestEnd;
import dev.triplane.infra.storage.NoSuchObjectException;
import dev.triplane.infra.storage.ObjectStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs one axis job of {@code triplane.axis-jobs} (handed over by {@link ShareJobListener}, one at a time: one
 * engine per process): reads the volume in RAS+ order, derives or reads the prompts of every
 * structure on the job's axis, runs {@link AxisSegmenter} once for all of them, stores the logit volume at
 * {@link ObjectKeys#logits} and publishes the {@link AxisResult} (keyed by volumeId, unlike the job, so fusion
 * sees the axes of a request on one partition) and a SEGMENTING {@link VolumeStatus} with this axis complete.
 * The record is acknowledged after the result is published, so a job lost by a crash is redelivered.
 *
 * <p>A redelivered job whose logits object is already stored and readable on the volume's grid is not computed
 * again: the result is re-published from the stored object. Bad input, and a job that runs out of memory (reason
 * {@code RESOURCE_LIMIT}), throw a {@link BadInputException}; store and broker faults are retried. A job given
 * up on ends through {@link #failRecord}: an {@link ErrorEvent}, a FAILED status and an
 * {@link AxisResult} with the failed outcome (so fusion ends the request instead of fusing the other axes), then
 * the record goes to the DLT and the worker takes the next one.
 */
@Component
class AxisJobHandler {

    /** Job outcome: logits computed, stored and published. */
    static final String SEGMENTED = "SEGMENTED";
    /** Job outcome: the logits were already stored, the result re-published without computing. */
    static final String REPUBLISHED = "REPUBLISHED";
    /** Job outcome: bad input, the job ended FAILED and the record dead-lettered. */
    static final String BAD_INPUT = "BAD_INPUT";
    /** Job outcome: out of memory, the job ended FAILED and the record dead-lettered. */
    static final String RESOURCE_LIMIT = Reason.RESOURCE_LIMIT.name();

    private static final Logger LOG = LoggerFactory.getLogger(AxisJobHandler.class);

    private final ObjectStore store;
    private final ObjectKeys keys;
    private final NiftiReader reader;
    private final EventPublisher events;
    private final JsonMapper json;
    private final Models models;
    private final JobMeters jobs;
    private final WorkerProperties properties;
    private final LogitVolumeCodec.Encoding encoding;
    private final LruCache<ImageVolume> images;
    private final LruCache<LabelVolume> labels;
    private final LabelTable labelTable;
    private final String worker = workerIdentity();
    private final Counter frames;
    private final AtomicLong lastFramesPerSecond = new AtomicLong();
    private final AxisCorrection corrections;

    AxisJobHandler(ObjectStore store, ObjectKeys keys, NiftiReader reader, EventPublisher events, JsonMapper json,
            Models models, JobMeters jobs, WorkerProperties properties, LabelTable labelTable, MeterRegistry meters) {
        this.store = store;
        this.labelTable = labelTable;
        this.keys = keys;
        this.reader = reader;
        this.events = events;
        this.json = json;
        this.models = models;
        this.jobs = jobs;
        this.properties = properties;
        this.encoding = properties.encoding();
        this.images = new LruCache<>(properties.volumeCacheSize());
        this.labels = new LruCache<>(properties.volumeCacheSize());
        this.corrections = new AxisCorrection(this, store, keys, events);
        this.frames = Counter.builder("triplane.worker.frames").baseUnit("frames")
                .description("frame steps propagated by the engine (its rate is the frames per second)")
                .register(meters);
        Gauge.builder("triplane.worker.last.job.frames.per.second", lastFramesPerSecond, AtomicLong::get)
                .description("frame steps per second of the engine in the last computed job").register(meters);
    }

    /**
     * Runs one job and publishes its result; timed as an {@code AXIS_WORKER} job with outcome {@value #SEGMENTED},
     * {@value #REPUBLISHED}, {@value #BAD_INPUT} or {@code RESOURCE_LIMIT}.
     *
     * @throws BadInputException for bad input or when the job ran out of memory; the listener ends the job
     */
    AxisResult run(AxisJob job) {
        long start = System.nanoTime();
        String logitsKey = keys.stageLogits(job.volumeId(), job.requestId(), job.axis(), job.stage().number());
        try (JobMeters.Job meter = jobs.start(Stage.AXIS_WORKER)) {
            try {
                if (job.correction() != null) {
                    AxisResult result = corrections.run(job, worker);
                    meter.outcome(SEGMENTED);
                    return result;
                }
                ImageVolume ct = image(job.imageKey());
                Optional<AxisResult> stored = storedResult(job, logitsKey, ct.grid(), start);
                if (stored.isPresent()) {
                    publish(job, stored.get(), "axis " + job.axis().id() + " already stored: " + logitsKey);
                    meter.outcome(REPUBLISHED);
                    LOG.info("{}: already stored, result re-published without computing", logitsKey);
                    return stored.get();
                }
                AxisResult result = compute(job, ct, logitsKey, start);
                meter.outcome(SEGMENTED);
                return result;
            } catch (BadInputException e) {
                meter.outcome(BAD_INPUT);
                throw e;
            } catch (OutOfMemoryError e) {
                // the cached volumes may be what filled the heap; the job's own buffers are unreachable by now
                images.clear();
                labels.clear();
                meter.outcome(RESOURCE_LIMIT);
                throw new BadInputException(job.imageKey(), Reason.RESOURCE_LIMIT, "out of memory on volume "
                        + job.volumeId() + ", axis " + job.axis().id() + ", " + job.structures().size()
                        + " structures (max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB)", e);
            }
        }
    }

    /**
     * Re-publishes the result of a job whose logits are already stored (its worker finished it but the record's
     * acknowledgement was lost), without computing; false when they are not there.
     */
    boolean republishIfStored(AxisJob job) {
        if (job.correction() != null) {
            return false; // a correction re-sends its fusion job only by running again
        }
        long start = System.nanoTime();
        String logitsKey = keys.stageLogits(job.volumeId(), job.requestId(), job.axis(), job.stage().number());
        Optional<AxisResult> stored = storedResult(job, logitsKey, image(job.imageKey()).grid(), start);
        stored.ifPresent(result -> publish(job, result, "axis " + job.axis().id() + " already stored: " + logitsKey));
        return stored.isPresent();
    }

    /**
     * The end of a job the listener gives up on: its error event (the object at fault, by default the image)
     * and a FAILED status, and an {@link AxisResult} with the failed outcome, published together.
     */
    RequestEnd failRecord(String value, Reason reason, String object, String detail) {
        AxisJob job = json.readValue(value, AxisJob.class);
        if (job.correction() != null) {
            // the request's own revisions stand; only this correction ends, with no result for fusion
            return RequestEnd.of(Stage.AXIS_WORKER, reason, object != null ? object : keys.correction(job.volumeId(),
                    job.requestId(), job.correction().correctionId()), "revision " + job.correction().revision()
                    + ", axis " + job.axis().id() + ": " + detail, job.volumeId(), job.requestId(), List.of());
        }
        AxisResult failed = new AxisResult(AxisResult.CURRENT_VERSION, job.volumeId(), job.requestId(), job.axis(),
                job.requestAxes(), keys.stageLogits(job.volumeId(), job.requestId(), job.axis(), job.stage().number()),
                job.imageKey(), job.labelsKey(), job.structures(), 0, new AxisResult.Timings(0, 0, 0, 0), worker,
                job.datasetTag(), AxisResult.Outcome.FAILED, job.model(), job.stage());
        return RequestEnd.of(Stage.AXIS_WORKER, reason, object != null ? object : job.imageKey(),
                "axis " + job.axis().id() + ": " + detail, job.volumeId(), job.requestId(), List.of())
                .with(new Outbound(Topic.AXIS_RESULTS, failed));
    }

    private AxisResult compute(AxisJob job, ImageVolume ct, String logitsKey, long start) {
        Sam2Model model = model(job.model());
        List<StructurePrompts> prompts = prompts(job, ct.grid());
        int frameCount = ct.grid().shape()[job.axis().arrayAxis()];
        long loaded = System.nanoTime();

        Progress progress = new Progress(job, frameCount);
        Path workDir = properties.workFolder();
        Path encoded = null;
        try (LogitVolume logits = new AxisSegmenter(model, MemoryPolicy.parse(job.memoryPolicy())).segment(ct,
                job.axis(), prompts, progress::onStep, workDir)) {
            long computed = System.nanoTime();
            frames.increment(progress.steps);
            long computeMs = millis(loaded, computed);
            lastFramesPerSecond.set(computeMs == 0 ? 0 : progress.steps * 1000L / computeMs);

            encoded = Files.createTempFile(workDir, "logits-", ".bin");
            LogitVolumeCodec.write(logits, encoding, encoded);
            long bytes = Files.size(encoded);
            FaultPoints.reach("axis-worker.mid-job");
            store.put(logitsKey, encoded, "application/octet-stream");
            // what a correction of this request runs again (its prompts, model and memory policy)
            store.put(keys.axisJob(job.volumeId(), job.requestId(), job.axis()), json.writeValueAsBytes(job),
                    "application/json");
            long storedAt = System.nanoTime();
            AxisResult result = result(job, logitsKey, frameCount, new AxisResult.Timings(millis(start, loaded),
                    computeMs, millis(computed, storedAt), millis(start, System.nanoTime())));
            publish(job, result, "axis " + job.axis().id() + " stored: " + logitsKey);
            LOG.info("{}: {} structures, {} frame steps; load {} ms, compute {} ms, store {} ms ({} bytes)",
                    logitsKey, prompts.size(), progress.steps, result.timings().loadMs(), computeMs,
                    result.timings().storeMs(), bytes);
            return result;
        } catch (IOException e) {
            // the work folder is local: a full or unwritable disk, retried like a store outage
            throw new UncheckedIOException(logitsKey + ": " + e.getMessage(), e);
        } finally {
            if (encoded != null) {
                try {
                    Files.deleteIfExists(encoded);
                } catch (IOException e) {
                    LOG.warn("{}: work file {} not deleted: {}", logitsKey, encoded, e.getMessage());
                }
            }
        }
    }

    /**
     * The result of a stored logits object, when it is there and reads on the volume's grid with the job's
     * structures (a job redelivered after a crash between the upload and the offset commit); empty otherwise.
     */
    private Optional<AxisResult> storedResult(AxisJob job, String logitsKey, Grid ras, long start) {
        if (!store.exists(logitsKey)) {
            return Optional.empty();
        }
        LogitVolumeCodec.Header stored;
        try (InputStream in = store.get(logitsKey)) {
            stored = LogitVolumeCodec.readHeader(in, logitsKey, ras);
        } catch (InvalidVolumeException | NoSuchObjectException | IOException e) {
            LOG.warn("{}: stored logits unusable, computing again: {}", logitsKey, e.getMessage());
            return Optional.empty();
        }
        if (stored.axis() != job.axis() || !job.structures().equals(boxed(stored.ids()))) {
            LOG.warn("{}: stored logits hold {} on {}, not the job's {}: computing again", logitsKey,
                    boxed(stored.ids()), stored.axis(), job.structures());
            return Optional.empty();
        }
        long ms = millis(start, System.nanoTime());
        return Optional.of(result(job, logitsKey, ras.shape()[job.axis().arrayAxis()], new AxisResult.Timings(ms, 0,
                0, ms)));
    }

    private AxisResult result(AxisJob job, String logitsKey, int frameCount, AxisResult.Timings timings) {
        return new AxisResult(AxisResult.CURRENT_VERSION, job.volumeId(), job.requestId(), job.axis(),
                job.requestAxes(), logitsKey, job.imageKey(), job.labelsKey(), job.structures(), frameCount, timings,
                worker, job.datasetTag(), AxisResult.Outcome.SEGMENTED, job.model(), job.stage());
    }

    private void publish(AxisJob job, AxisResult result, String detail) {
        events.await(result.logitsKey(), List.of(events.publish(Topic.AXIS_RESULTS, job.volumeId(), result),
                events.publish(Topic.STATUS, job.volumeId(), status(job, VolumeStatus.State.SEGMENTING,
                        List.of(new VolumeStatus.AxisProgress(job.axis(), result.frames(), result.frames())),
                        detail))));
    }

    /** The job's status; the detail of a cascade's job starts with its stage ({@code stage 2: sagittal}). */
    private static VolumeStatus status(AxisJob job, VolumeStatus.State state, List<VolumeStatus.AxisProgress> axes,
            String detail) {
        String staged = !job.stage().cascades() ? detail
                : detail == null ? job.stage().describe() : job.stage().describe() + "; " + detail;
        return new VolumeStatus(VolumeStatus.CURRENT_VERSION, job.volumeId(), job.requestId(), state,
                Stage.AXIS_WORKER, axes, staged);
    }

    /** The prompts of every job structure on the job's axis, in the job's structure order. */
    List<StructurePrompts> prompts(AxisJob job, Grid ras) {
        PromptPolicy policy = job.prompts();
        List<StructurePrompts> out = new ArrayList<>(job.structures().size());
        if (policy.source() == PromptPolicy.Source.LABELS) {
            LabelVolume reference = labels(job.labelsKey());
            try {
                NiftiImage.requireSameGrid(ras, reference.grid(), job.labelsKey());
            } catch (InvalidVolumeException e) {
                throw BadInputException.of(e);
            }
            for (int id : job.structures()) {
                out.add(LabelPrompts.derive(reference, id, job.axis(), policy.derivationOptions())
                        .orElseThrow(() -> new BadInputException(job.labelsKey(), Reason.STRUCTURE_ABSENT,
                                "structure " + id + " has no voxel in the labels", null)));
            }
            return out;
        }
        String key = policy.promptFileKey();
        List<StructurePrompts> file;
        try (InputStream in = store.get(key)) {
            file = PromptFile.read(in, key, ras, labelTable);
        } catch (NoSuchObjectException e) {
            throw new BadInputException(key, Reason.NO_SUCH_OBJECT, e.getMessage(), e);
        } catch (PromptFileException e) {
            throw new BadInputException(key, Reason.BAD_PROMPT_FILE, e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
        for (int id : job.structures()) {
            out.add(file.stream().filter(s -> s.structureId() == id && s.axis() == job.axis()).findFirst()
                    .orElseThrow(() -> new BadInputException(key, Reason.BAD_PROMPT_FILE, "no prompt for structure "
                            + id + " on axis " + job.axis().id(), null)));
        }
        return out;
    }

    Sam2Model model(String name) {
        try {
            return models.get(name);
        } catch (NoSuchObjectException e) {
            throw new BadInputException(keys.model(name) + "manifest.json", Reason.NO_SUCH_MODEL, "model " + name
                    + " is neither in " + properties.modelsFolder().toAbsolutePath() + " nor in the object store", e);
        }
    }

    /** The image in RAS+ order. */
    ImageVolume image(String key) {
        return images.get(key, k -> {
            ImageVolume image = read(k).toImageVolume();
            return Reorientation.toRas(image.grid()).forward(image);
        });
    }

    /** Reference labels in RAS+ order. */
    private LabelVolume labels(String key) {
        return labels.get(key, k -> {
            LabelVolume volume = read(k).toLabelVolume();
            return Reorientation.toRas(volume.grid()).forward(volume);
        });
    }

    private NiftiImage read(String key) {
        try (InputStream in = store.get(key)) {
            return reader.read(in, key);
        } catch (InvalidVolumeException e) {
            throw BadInputException.of(e);
        } catch (NoSuchObjectException e) {
            throw new BadInputException(key, Reason.NO_SUCH_OBJECT, e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
    }

    LogitVolumeCodec.Encoding encoding() {
        return encoding;
    }

    /** The label table structure names in prompt files resolve by ({@code triplane.label-table}). */
    LabelTable labelTable() {
        return labelTable;
    }

    /** The structure ids a stored logits object holds. */
    List<Integer> storedStructures(String key, Grid ras) {
        try (InputStream in = store.get(key)) {
            return boxed(LogitVolumeCodec.readHeader(in, key, ras).ids());
        } catch (InvalidVolumeException e) {
            throw BadInputException.of(e);
        } catch (NoSuchObjectException e) {
            throw new BadInputException(key, Reason.NO_SUCH_OBJECT, e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
    }

    private static List<Integer> boxed(int[] ids) {
        List<Integer> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(id);
        }
        return out;
    }

    private static long millis(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }

    private static String workerIdentity() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + ":" + ProcessHandle.current().pid();
    }

    /** Publishes the axis' progress at most every {@code progress-interval}, without waiting for the broker. */
    private final class Progress {

        private final AxisJob job;
        private final int frameCount;
        private final long intervalNanos = properties.progressInterval().toNanos();
        private long lastSent = System.nanoTime();
        private int steps;

        Progress(AxisJob job, int frameCount) {
            this.job = job;
            this.frameCount = frameCount;
        }

        void onStep(int done, int total) {
            steps = done;
            long now = System.nanoTime();
            if (done == total || now - lastSent < intervalNanos) {
                return; // the completion status follows the upload
            }
            lastSent = now;
            // steps of both passes mapped onto the axis' frames, the unit of the status topic
            int framesDone = (int) ((long) done * frameCount / total);
            events.publish(Topic.STATUS, job.volumeId(), status(job, VolumeStatus.State.SEGMENTING,
                    List.of(new VolumeStatus.AxisProgress(job.axis(), framesDone, frameCount)), null));
        }
    }
}
