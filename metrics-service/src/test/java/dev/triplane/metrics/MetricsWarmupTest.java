package dev.triplane.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.metrics.StructureMetrics;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.synthetic.SyntheticScan;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The warm-up runs the real metrics on a segmentation one voxel off its reference. */
class MetricsWarmupTest {

    @Test
    void aSegmentationOneVoxelOffScoresHighButNotPerfect() {
        MetricsProperties properties = new MetricsProperties("monai", 1.0, 3);
        MetricsWarmup warmup = new MetricsWarmup(new NiftiReader(ReadLimits.defaults()), JsonMapper.builder().build(),
                properties);

        List<StructureMetrics> metrics = warmup.measure(SyntheticScan.create());

        assertThat(metrics).extracting(StructureMetrics::id).containsExactly(1, 2, 5);
        for (StructureMetrics m : metrics) {
            assertThat(m.dice()).as("structure %d", m.id()).isBetween(0.6, 0.99);
            // one voxel along i is 0.75 mm
            assertThat(m.hd()).as("structure %d", m.id()).isEqualTo(0.75, within(1e-6));
        }
    }
}
