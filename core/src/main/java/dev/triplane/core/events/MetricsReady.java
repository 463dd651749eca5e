package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.metrics.AggregateMetrics;
import dev.triplane.core.metrics.StructureMetrics;
import java.util.List;

/**
 * Metrics of a segmentation against its reference labels are stored ({@code triplane.metrics}, metrics ->
 * downstream). Distances are in mm; a metric that does not exist (a missing structure) is NaN, written as the
 * string {@code "NaN"}.
 *
 * @param version          {@link #CURRENT_VERSION} when written
 * @param volumeId         SHA-256 of the image file
 * @param requestId        the request
 * @param metricsKey       object key of {@code metrics.json}
 * @param datasetTag       the dataset the volume is aggregated under
 * @param structures       per-structure metrics, by ascending id
 * @param aggregate        summaries over this volume's structures
 * @param datasetVolumes   volumes of the dataset tag measured so far, this one included
 * @param datasetAggregate running summaries over every structure of those volumes, or null when not kept
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MetricsReady(int version, String volumeId, String requestId, String metricsKey, String datasetTag,
        List<StructureMetrics> structures, AggregateMetrics aggregate, int datasetVolumes,
        AggregateMetrics datasetAggregate) {

    public static final int CURRENT_VERSION = 1;

    public MetricsReady {
        String e = "MetricsReady";
        EventChecks.version(e, version);
        EventChecks.text(e, "volumeId", volumeId);
        EventChecks.text(e, "requestId", requestId);
        EventChecks.text(e, "metricsKey", metricsKey);
        EventChecks.text(e, "datasetTag", datasetTag);
        structures = EventChecks.list(e, "structures", structures);
        EventChecks.present(e, "aggregate", aggregate);
        if (datasetVolumes < 1) {
            throw new IllegalArgumentException(e + ": datasetVolumes must count this volume, got " + datasetVolumes);
        }
    }
}
