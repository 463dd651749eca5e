package dev.triplane.core.metrics;

import static dev.triplane.core.metrics.MetricFixtures.number;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.volume.BinaryMask;
import dev.triplane.core.volume.LabelVolume;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Every metric against the oracle its profile names (fixtures/metrics/NOTES.md): medpy and exact64 at 1e-6 mm
 * (1e-9 for Dice/IoU), MONAI within its float32 rounding.
 */
class SegmentationMetricsFixtureTest {

    private static final double MM = 1e-6;
    private static final double OVERLAP = 1e-9;

    static Stream<Arguments> syntheticCases() {
        return MetricFixtures.cases().stream().map(c -> Arguments.of(c.get("name").asString(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("syntheticCases")
    void syntheticCaseMatchesOracles(String name, JsonNode c) {
        BinaryMask pred = MetricFixtures.mask(c, 0);
        BinaryMask ref = MetricFixtures.mask(c, 1);
        double[] taus = MetricFixtures.tolerances();
        List<StructureMetrics> monai = new ArrayList<>();
        for (double tau : taus) {
            monai.add(SegmentationMetrics.compare(pred, ref, new MetricOptions(Hd95Profile.MONAI, tau)));
        }
        StructureMetrics pooled = SegmentationMetrics.compare(pred, ref, new MetricOptions(Hd95Profile.POOLED, 1));
        checkAgainstOracles(c.get("oracles"), monai, pooled, taus);
    }

    static Stream<Arguments> labelCases() {
        return MetricFixtures.labelCases().stream().map(c -> Arguments.of(c.get("name").asString(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labelCases")
    void sampleStructuresMatchOracles(String name, JsonNode c) {
        LabelVolume pred = MetricFixtures.labels(c, "pred_file");
        LabelVolume ref = MetricFixtures.labels(c, "ref_file");
        double[] taus = MetricFixtures.tolerances();
        List<List<StructureMetrics>> monai = new ArrayList<>();
        for (double tau : taus) {
            monai.add(SegmentationMetrics.perStructure(pred, ref, new int[0], new MetricOptions(Hd95Profile.MONAI,
                    tau)));
        }
        List<StructureMetrics> pooled = SegmentationMetrics.perStructure(pred, ref, new int[0],
                new MetricOptions(Hd95Profile.POOLED, 1));

        List<JsonNode> structures = new ArrayList<>();
        c.get("structures").forEach(structures::add);
        assertThat(pooled).extracting(StructureMetrics::id)
                .containsExactlyElementsOf(structures.stream().map(s -> s.get("id").asInt()).toList());
        for (int n = 0; n < structures.size(); n++) {
            List<StructureMetrics> perTau = new ArrayList<>();
            for (List<StructureMetrics> list : monai) {
                perTau.add(list.get(n));
            }
            checkAgainstOracles(structures.get(n).get("oracles"), perTau, pooled.get(n), taus);
        }
        StructureMetrics dropped = pooled.stream().filter(s -> s.id() == c.get("dropped_id").asInt()).findFirst()
                .orElseThrow();
        assertThat(dropped.note()).startsWith("prediction mask empty");
        StructureMetrics added = pooled.stream().filter(s -> s.id() == c.get("added_id").asInt()).findFirst()
                .orElseThrow();
        assertThat(added.note()).startsWith("reference mask empty");
    }

    @Test
    void maskComparisonEqualsLabelComparisonPerStructure() {
        JsonNode c = MetricFixtures.labelCases().get(1);
        LabelVolume pred = MetricFixtures.labels(c, "pred_file");
        LabelVolume ref = MetricFixtures.labels(c, "ref_file");
        MetricOptions options = new MetricOptions(Hd95Profile.POOLED, 2.0);
        for (StructureMetrics s : SegmentationMetrics.perStructure(pred, ref, new int[0], options)) {
            StructureMetrics alone = SegmentationMetrics.compare(pred.mask(s.id()), ref.mask(s.id()), options);
            assertThat(alone.withStructure(s.id(), null)).isEqualTo(s);
        }
    }

    private static void checkAgainstOracles(JsonNode o, List<StructureMetrics> monai, StructureMetrics pooled,
            double[] taus) {
        StructureMetrics m = monai.get(0);
        long predVoxels = o.get("voxels_pred").asLong();
        long refVoxels = o.get("voxels_ref").asLong();
        assertThat(m.predVoxels()).isEqualTo(predVoxels);
        assertThat(m.refVoxels()).isEqualTo(refVoxels);
        if (predVoxels == 0 || refVoxels == 0) {
            double overlap = predVoxels == refVoxels ? 1.0 : 0.0;
            assertThat(m.dice()).isEqualTo(overlap);
            assertThat(m.iou()).isEqualTo(overlap);
            assertThat(m.anyEmpty()).isTrue();
            assertThat(m.note()).isNotBlank();
            assertThat(new double[] {m.hd(), m.hd95(), m.assd(), m.nsd(), pooled.hd95()}).containsOnly(Double.NaN);
            return;
        }
        assertThat(m.note()).isNull();
        assertThat(m.dice()).isCloseTo(number(o, "medpy", "dc"), within(OVERLAP));
        assertThat(m.iou()).isCloseTo(number(o, "medpy", "jc"), within(OVERLAP));
        assertThat(m.dice()).isCloseTo(number(o, "monai", "dice"), float32(m.dice()));

        assertThat(m.hd()).isCloseTo(number(o, "medpy", "hd"), within(MM));
        assertThat(m.hd()).isCloseTo(number(o, "monai", "hd"), float32(m.hd()));
        assertThat(pooled.hd()).isEqualTo(m.hd());

        assertThat(m.hd95()).isCloseTo(number(o, "exact64", "hd95_monai"), within(MM));
        assertThat(m.hd95()).isCloseTo(number(o, "monai", "hd95"), float32(m.hd95()));
        assertThat(pooled.hd95()).isCloseTo(number(o, "medpy", "hd95"), within(MM));

        assertThat(m.assd()).isCloseTo(number(o, "medpy", "assd"), within(MM));
        assertThat(m.assd()).isCloseTo(number(o, "monai", "assd_symmetric"), float32(m.assd()));

        for (int t = 0; t < taus.length; t++) {
            String tau = Double.toString(taus[t]);
            double nsd = monai.get(t).nsd();
            assertThat(nsd).as("NSD at %s mm", tau).isCloseTo(number(o, "exact64", "nsd", tau), within(1e-12));
            assertThat(nsd).as("NSD at %s mm", tau).isCloseTo(number(o, "monai", "nsd", tau), float32(nsd));
        }
    }

    /** MONAI casts distances to float32 before reducing them. */
    private static org.assertj.core.data.Offset<Double> float32(double value) {
        return within(1e-6 + 1e-6 * Math.abs(value));
    }
}
