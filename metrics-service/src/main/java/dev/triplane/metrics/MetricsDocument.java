package dev.triplane.metrics;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.metrics.AggregateMetrics;
import dev.triplane.core.metrics.StructureMetrics;
import java.util.List;

/**
 * Content of {@code results/{volumeId}/{requestId}/metrics.json}: one request's metrics, without the dataset
 * aggregate (that is recomputed from these documents, so it never counts a volume twice).
 *
 * @param version    1
 * @param volumeId   the volume
 * @param requestId  the request
 * @param datasetTag the dataset the volume is aggregated under
 * @param structures per-structure metrics (distances in mm), by ascending id
 * @param aggregate  summaries over those structures
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record MetricsDocument(int version, String volumeId, String requestId, String datasetTag,
        List<StructureMetrics> structures, AggregateMetrics aggregate) {

    static final int CURRENT_VERSION = 1;
}
