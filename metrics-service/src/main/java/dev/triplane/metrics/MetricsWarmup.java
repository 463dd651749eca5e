package dev.triplane.metrics;

import dev.triplane.core.metrics.AggregateMetrics;
import dev.triplane.core.metrics.MetricOptions;
import dev.triplane.core.metrics.SegmentationMetrics;
import dev.triplane.core.metrics.StructureMetrics;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.synthetic.SyntheticScan;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.service.Warmup;
import java.io.ByteArrayInputStream;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Measures the synthetic scan's labels moved by one voxel along i against the labels as read from their NIfTI
 * file, and encodes the metrics document, as {@link SegmentationMeasurer} does for a segmentation.
 */
@Component
final class MetricsWarmup implements Warmup {

    private final NiftiReader reader;
    private final JsonMapper json;
    private final MetricOptions options;

    MetricsWarmup(NiftiReader reader, JsonMapper json, MetricsProperties properties) {
        this.reader = reader;
        this.json = json;
        this.options = properties.metricOptions();
    }

    @Override
    public void run(SyntheticScan scan) {
        List<StructureMetrics> structures = measure(scan);
        json.writeValueAsBytes(new MetricsDocument(MetricsDocument.CURRENT_VERSION, "warm-up", "warm-up", "warm-up",
                structures, AggregateMetrics.of(structures)));
    }

    List<StructureMetrics> measure(SyntheticScan scan) {
        LabelVolume reference = reader.read(new ByteArrayInputStream(scan.labelsNifti()), "synthetic labels")
                .toLabelVolume();
        return SegmentationMetrics.perStructure(shifted(reference), reference, SyntheticScan.STRUCTURES, options);
    }

    private static LabelVolume shifted(LabelVolume labels) {
        Grid grid = labels.grid();
        int[] in = labels.labels();
        int[] out = new int[in.length];
        for (int v = 0; v < in.length; v++) {
            if (v % grid.nx() != 0) {
                out[v] = in[v - 1];
            }
        }
        return new LabelVolume(grid, out);
    }
}
