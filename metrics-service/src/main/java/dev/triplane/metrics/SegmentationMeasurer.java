package dev.triplane.metrics;

import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.metrics.AggregateMetrics;
import dev.triplane.core.metrics.MetricOptions;
import dev.triplane.core.metrics.SegmentationMetrics;
import dev.triplane.core.metrics.StructureMetrics;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.service.FaultPoints;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.Outbound;
import dev.triplane.infra.service.RequestEnd;
import dev.triplane.infra.service.TransactionalPublisher;
import dev.triplane.infra.storage.NoSuchObjectException;
import dev.triplane.infra.storage.ObjectInfo;
import dev.triplane.infra.storage.ObjectStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Listens on {@code triplane.segmentations}: for a segmentation whose volume has reference labels, reads both
 * label volumes, computes {@link SegmentationMetrics#perStructure} for the requested structures, stores
 * {@code metrics.json}, then publishes {@link MetricsReady} and a COMPLETED {@link VolumeStatus} in one transaction
 * with the record's offset ({@link TransactionalPublisher}): a service killed after the store and before the send,
 * or after the send and before the commit, measures the record again and {@code read_committed} readers see one
 * {@code MetricsReady}. Without labels only the status. Bad input, or running out of memory (reason
 * {@code RESOURCE_LIMIT}), throws a {@link BadInputException}; the error handler ends the request it gives up on
 * through {@link #failRecord} ({@link ErrorEvent} and FAILED status, with the offset and the record's copy on the
 * DLT in one transaction).
 *
 * <p>The dataset aggregate is recomputed from the stored {@code metrics.json} documents of the tag (listed in the
 * store) rather than kept as a running counter: a redelivered record overwrites its own document, so the aggregate
 * counts each request once without any state of its own. The cost is one listing plus one small read per
 * measured request of the store, acceptable for datasets of thousands of volumes.
 */
@Component
class SegmentationMeasurer {

    /** Job outcome: metrics stored and published. */
    static final String MEASURED = "MEASURED";
    /** Job outcome: no reference labels, only the status published. */
    static final String NO_LABELS = "NO_LABELS";
    /** Job outcome: a corrected revision (N >= 2), not measured. */
    static final String REVISION = "REVISION";
    /** Job outcome: bad input, the request ended FAILED and the record dead-lettered. */
    static final String BAD_INPUT = "BAD_INPUT";
    /** Job outcome: out of memory, the request ended FAILED and the record dead-lettered. */
    static final String RESOURCE_LIMIT = Reason.RESOURCE_LIMIT.name();

    private static final Logger LOG = LoggerFactory.getLogger(SegmentationMeasurer.class);

    private final ObjectStore store;
    private final ObjectKeys keys;
    private final NiftiReader reader;
    private final TransactionalPublisher transactions;
    private final JsonMapper json;
    private final MetricOptions options;
    private final LabelTable labels;
    private final JobMeters jobs;
    private final Counter published;

    SegmentationMeasurer(ObjectStore store, ObjectKeys keys, NiftiReader reader, TransactionalPublisher transactions,
            JsonMapper json, MetricsProperties properties, LabelTable labels, JobMeters jobs, MeterRegistry meters) {
        this.store = store;
        this.labels = labels;
        this.keys = keys;
        this.reader = reader;
        this.transactions = transactions;
        this.json = json;
        this.options = properties.metricOptions();
        this.jobs = jobs;
        this.published = Counter.builder("triplane.metrics.published")
                .description("MetricsReady events published").register(meters);
    }

    @KafkaListener(id = "metrics-segmentations", groupId = "triplane-metrics",
            topics = "#{@topics.name(T(dev.triplane.infra.Topic).SEGMENTATIONS)}")
    void onSegmentation(ConsumerRecord<String, String> record, Consumer<?, ?> consumer) {
        SegmentationReady seg = json.readValue(record.value(), SegmentationReady.class);
        List<Outbound> out = measure(seg);
        transactions.commit(record, consumer, seg.volumeId(), out);
        if (out.get(0).event() instanceof MetricsReady ready) {
            published.increment();
            LOG.info("{}: {} structures measured, dataset '{}' has {} volumes", ready.metricsKey(),
                    ready.structures().size(), ready.datasetTag(), ready.datasetVolumes());
        }
    }

    /**
     * Measures one segmentation and stores its metrics document; returns the events to publish: the metrics event
     * and the COMPLETED status, or the status alone without labels. Timed as a {@code METRICS} job with outcome
     * {@value #MEASURED}, {@value #NO_LABELS}, {@value #BAD_INPUT} or {@code RESOURCE_LIMIT}.
     *
     * @throws BadInputException for bad input or when the measuring ran out of memory
     */
    List<Outbound> measure(SegmentationReady seg) {
        try (JobMeters.Job job = jobs.start(Stage.METRICS)) {
            if (seg.labelsKey() == null) {
                job.outcome(NO_LABELS);
                return List.of(new Outbound(Topic.STATUS, status(seg, VolumeStatus.State.COMPLETED,
                        "no reference labels: no metrics")));
            }
            if (seg.revision() > 1) {
                // a clinician's correction: measured against the labels it would overwrite revision 1's metrics
                job.outcome(REVISION);
                return List.of(new Outbound(Topic.STATUS, status(seg, VolumeStatus.State.COMPLETED,
                        "revision " + seg.revision() + " stored: " + seg.segmentationKey() + " (not measured)")));
            }
            List<StructureMetrics> structures;
            try {
                structures = compute(seg);
            } catch (BadInputException e) {
                job.outcome(BAD_INPUT);
                throw e;
            } catch (OutOfMemoryError e) {
                job.outcome(RESOURCE_LIMIT);
                throw new BadInputException(seg.segmentationKey(), Reason.RESOURCE_LIMIT, "out of memory on volume "
                        + seg.volumeId() + ", " + seg.structures().size() + " structures (max heap "
                        + (Runtime.getRuntime().maxMemory() >> 20) + " MiB)", e);
            }
            MetricsReady ready = store(seg, structures);
            job.outcome(MEASURED);
            return List.of(new Outbound(Topic.METRICS, ready), new Outbound(Topic.STATUS,
                    status(seg, VolumeStatus.State.COMPLETED, "metrics stored: " + ready.metricsKey())));
        }
    }

    /**
     * The end of a request the error handler gives up on: its error event (the object at fault, by default the
     * segmentation) and a FAILED status.
     */
    RequestEnd failRecord(String value, Reason reason, String object, String detail) {
        SegmentationReady seg = json.readValue(value, SegmentationReady.class);
        return RequestEnd.of(Stage.METRICS, reason, object != null ? object : seg.segmentationKey(), detail,
                seg.volumeId(), seg.requestId(), List.of());
    }

    /** Stores {@code metrics.json}; returns the metrics event with the dataset aggregate. */
    private MetricsReady store(SegmentationReady seg, List<StructureMetrics> structures) {
        String metricsKey = keys.metrics(seg.volumeId(), seg.requestId());
        MetricsDocument doc = new MetricsDocument(MetricsDocument.CURRENT_VERSION, seg.volumeId(), seg.requestId(),
                seg.datasetTag(), structures, AggregateMetrics.of(structures));
        store.put(metricsKey, json.writeValueAsBytes(doc), "application/json");
        FaultPoints.reach("metrics.after-store");
        List<MetricsDocument> dataset = dataset(seg.datasetTag(), metricsKey, doc);
        List<StructureMetrics> all = new ArrayList<>();
        Set<String> volumes = new HashSet<>();
        for (MetricsDocument d : dataset) {
            all.addAll(d.structures());
            volumes.add(d.volumeId());
        }
        return new MetricsReady(MetricsReady.CURRENT_VERSION, seg.volumeId(), seg.requestId(), metricsKey,
                seg.datasetTag(), structures, doc.aggregate(), volumes.size(), AggregateMetrics.of(all));
    }

    private List<StructureMetrics> compute(SegmentationReady seg) {
        LabelVolume pred = read(seg.segmentationKey());
        LabelVolume ref = read(seg.labelsKey());
        int[] ids = new int[seg.structures().size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = seg.structures().get(i).id();
        }
        List<StructureMetrics> metrics;
        try {
            metrics = SegmentationMetrics.perStructure(pred, ref, ids, options);
        } catch (InvalidVolumeException e) {
            throw new BadInputException(seg.segmentationKey(), e.reason(),
                    "grid differs from the labels " + seg.labelsKey() + ": " + e.getMessage(), e);
        }
        List<StructureMetrics> named = new ArrayList<>(metrics.size());
        for (StructureMetrics m : metrics) {
            named.add(m.name() != null || !labels.contains(m.id()) ? m : withName(m, labels.nameOf(m.id())));
        }
        return named;
    }

    private static StructureMetrics withName(StructureMetrics m, String name) {
        return new StructureMetrics(m.id(), name, m.predVoxels(), m.refVoxels(), m.dice(), m.iou(), m.hd(),
                m.hd95(), m.assd(), m.nsd(), m.profile(), m.note());
    }

    private LabelVolume read(String key) {
        try (InputStream in = store.get(key)) {
            return reader.read(in, key).toLabelVolume();
        } catch (InvalidVolumeException e) {
            throw BadInputException.of(e);
        } catch (NoSuchObjectException e) {
            throw new BadInputException(key, Reason.NO_SUCH_OBJECT, e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
    }

    /**
     * The stored metrics documents of a dataset tag: every {@code metrics.json} under the results prefix, with
     * {@code own} in place of its key (the store may list it before the write is visible).
     */
    private List<MetricsDocument> dataset(String tag, String ownKey, MetricsDocument own) {
        String prefix = ownKey.substring(0, ownKey.indexOf(own.volumeId()));
        String suffix = ownKey.substring(ownKey.lastIndexOf('/'));
        List<MetricsDocument> docs = new ArrayList<>();
        docs.add(own);
        for (ObjectInfo info : store.list(prefix)) {
            if (!info.key().endsWith(suffix) || info.key().equals(ownKey)) {
                continue;
            }
            try (InputStream in = store.get(info.key())) {
                MetricsDocument d = json.readValue(in, MetricsDocument.class);
                if (tag.equals(d.datasetTag())) {
                    docs.add(d);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(info.key() + ": " + e.getMessage(), e);
            }
        }
        return docs;
    }

    private static VolumeStatus status(SegmentationReady seg, VolumeStatus.State state, String detail) {
        return new VolumeStatus(VolumeStatus.CURRENT_VERSION, seg.volumeId(), seg.requestId(), state, Stage.METRICS,
                List.of(), detail);
    }
}
