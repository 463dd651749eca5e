package dev.triplane.fusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.SegmentationReady.StructureVoxels;
import dev.triplane.core.fusion.FusionRule;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.storage.NoSuchObjectException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** The fusion step alone, on in-memory objects: no Kafka, no store. */
class RequestFusionTest {

    @TempDir
    Path work;

    private static final NiftiReader READER = new NiftiReader(ReadLimits.defaults());
    private static final ObjectKeys KEYS = ObjectKeys.load();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final FusionFixture fixture = new FusionFixture("req-unit");

    @Test
    void threeAxesFuseToTheExpectedLabelsOnTheInputGridWithItsHeader() {
        RequestFusion.Fused fused = fusion(FusionRule.MEAN_LOGIT).fuse(results(Axis.values()), objects());

        SegmentationReady event = fused.event();
        assertThat(event.segmentationKey()).isEqualTo(KEYS.segmentation(fixture.volumeId, "req-unit"));
        assertThat(event.uncertaintyKey()).isEqualTo(KEYS.uncertainty(fixture.volumeId, "req-unit"));
        assertThat(event.axes()).containsExactly(Axis.values());
        assertThat(event.partial()).isFalse();
        assertThat(event.fusionRule()).isEqualTo("mean-logit");
        assertThat(event.structures()).containsExactly(new StructureVoxels(FusionFixture.SPLEEN, 1),
                new StructureVoxels(FusionFixture.LIVER, 27));

        NiftiImage segmentation = READER.read(fused.segmentation());
        NiftiImage template = FusionFixture.TEMPLATE_IMAGE;
        assertThat(segmentation.grid()).isEqualTo(template.grid());
        assertThat(segmentation.header().qformCode()).isEqualTo(template.header().qformCode());
        assertThat(segmentation.header().sformCode()).isEqualTo(template.header().sformCode());
        assertThat(segmentation.header().quaternion()).containsExactly(template.header().quaternion());
        // triplane.privacy.scrub-header-text: the input's free text stays out of the results
        assertThat(template.header().descrip()).isNotEmpty();
        assertThat(segmentation.header().descrip()).isEmpty();
        assertThat(READER.read(fused.uncertainty()).header().descrip()).isEmpty();
        assertThat(segmentation.toLabelVolume().labels()).containsExactly(FusionFixture.expectedLabels());
        // a NIfTI volume has no DicomSource: no SEG
        assertThat(event.dicomSegmentationKey()).isNull();
        assertThat(fused.dicomSegmentation()).isNull();

        float[] uncertainty = READER.read(fused.uncertainty())
                .toImageVolume().voxels();
        float in = (float) (1 / (1 + Math.exp(-8)));
        float out = (float) (1 / (1 + Math.exp(8)));
        float mean = (in + in + out) / 3;
        float variance = ((in - mean) * (in - mean) * 2 + (out - mean) * (out - mean)) / 3;
        assertThat(uncertainty[FusionFixture.DISPUTED_VOXEL]).isCloseTo(variance, within(1e-6f));
        for (int v = 0; v < uncertainty.length; v++) {
            if (v != FusionFixture.DISPUTED_VOXEL) {
                assertThat(uncertainty[v]).as("voxel %d", v).isCloseTo(0f, within(1e-9f)); // float rounding only
            }
        }
    }

    @Test
    void theSameInputsGiveTheSameBytes() {
        RequestFusion.Fused a = fusion(FusionRule.MEAN_LOGIT).fuse(results(Axis.values()), objects());
        RequestFusion.Fused b = fusion(FusionRule.MEAN_LOGIT).fuse(results(Axis.values()), objects());

        assertThat(a.segmentation()).hasSameBinaryContentAs(b.segmentation());
        assertThat(a.uncertainty()).hasSameBinaryContentAs(b.uncertainty());
    }

    @Test
    void twoAxesArePartialAndTheRuleWorksOnThem() {
        // without the axial axis nothing disputes the liver voxel; vote needs both of two axes
        RequestFusion.Fused fused = fusion(FusionRule.VOTE).fuse(results(Axis.SAGITTAL, Axis.CORONAL), objects());

        assertThat(fused.event().partial()).isTrue();
        assertThat(fused.event().axes()).containsExactly(Axis.CORONAL, Axis.SAGITTAL);
        assertThat(READER.read(fused.segmentation()).toLabelVolume().labels())
                .containsExactly(FusionFixture.expectedLabels());
    }

    @Test
    void aSingleAxisRuleUsesOnlyItsAxis() {
        RequestFusion.Fused fused = fusion(FusionRule.singleAxis(Axis.AXIAL)).fuse(results(Axis.values()),
                objects());

        int[] expected = FusionFixture.expectedLabels();
        expected[FusionFixture.DISPUTED_VOXEL] = 0;
        assertThat(fused.event().axes()).containsExactly(Axis.AXIAL);
        assertThat(READER.read(fused.segmentation()).toLabelVolume().labels())
                .containsExactly(expected);
        assertThatThrownBy(() -> fusion(FusionRule.singleAxis(Axis.AXIAL)).fuse(results(Axis.CORONAL), objects()))
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.RULE_AXIS_MISSING);
                    assertThat(e.object()).isEqualTo(KEYS.logits(fixture.volumeId, "req-unit", Axis.AXIAL));
                });
    }

    @Test
    void aMissingCorruptOrMisplacedLogitsObjectIsBadInputNamingIt() {
        String coronal = KEYS.logits(fixture.volumeId, "req-unit", Axis.CORONAL);
        fixture.objects.put(coronal, "not logits".getBytes());
        assertBad(coronal, Reason.BAD_MAGIC);

        fixture.objects.put(coronal, FusionFixture.logits(Grid.ofSpacing(4, 4, 4, 1, 1, 1), Axis.CORONAL,
                new int[] {1}, new float[][] {new float[64]}));
        assertBad(coronal, Reason.GRID_MISMATCH);

        byte[] whole = FusionFixture.logits(FusionFixture.RAS_GRID, Axis.CORONAL, new int[] {1},
                new float[][] {new float[FusionFixture.GRID.voxelCount()]});
        fixture.objects.put(coronal, Arrays.copyOf(whole, whole.length - 8));
        assertBad(coronal, Reason.TRUNCATED);

        fixture.objects.put(coronal, FusionFixture.logits(FusionFixture.RAS_GRID, Axis.SAGITTAL, new int[] {1},
                new float[][] {new float[FusionFixture.GRID.voxelCount()]}));
        assertBad(coronal, Reason.BAD_HEADER);

        fixture.objects.remove(coronal);
        assertBad(coronal, Reason.NO_SUCH_OBJECT);
    }

    @Test
    void aVolumeReadFromDicomAlsoGetsItsLabelsAsADicomSegAndABadSourceFailsTheRequest() throws Exception {
        String sourceKey = KEYS.dicomSource(fixture.volumeId);
        fixture.objects.put(sourceKey, JSON.writeValueAsBytes(FusionFixture.dicomSource(FusionFixture.GRID.ny())));
        List<AxisResult> results = Arrays.stream(Axis.values()).map(a -> withModel(fixture.result(a), "sam2-micro"))
                .toList();
        try (RequestFusion.Fused fused = fusion(FusionRule.MEAN_LOGIT).fuse(results, objects())) {
            assertThat(fused.event().dicomSegmentationKey()).isEqualTo(KEYS.dicomSegmentation(fixture.volumeId,
                    "req-unit"));
            assertThat(Files.readAllBytes(fused.dicomSegmentation())).isEqualTo(fixture.expectedSeg("sam2-micro"));
        }

        fixture.objects.put(sourceKey, JSON.writeValueAsBytes(FusionFixture.dicomSource(FusionFixture.GRID.ny() + 1)));
        assertBad(sourceKey, Reason.GRID_MISMATCH);
        fixture.objects.put(sourceKey, "{\"version\": 1}".getBytes(StandardCharsets.UTF_8));
        assertBad(sourceKey, Reason.BAD_HEADER);
    }

    static AxisResult withModel(AxisResult r, String model) {
        return new AxisResult(r.version(), r.volumeId(), r.requestId(), r.axis(), r.requestAxes(), r.logitsKey(),
                r.imageKey(), r.labelsKey(), r.structures(), r.frames(), r.timings(), r.worker(), r.datasetTag(),
                r.outcome(), model, r.stage());
    }

    private void assertBad(String object, Reason reason) {
        assertThatThrownBy(() -> fusion(FusionRule.MEAN_LOGIT).fuse(results(Axis.values()), objects()))
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.object()).isEqualTo(object);
                    assertThat(e.reason()).isEqualTo(reason);
                });
    }

    private RequestFusion fusion(FusionRule rule) {
        return new RequestFusion(READER, KEYS, rule, 1 << 20, work, true);
    }

    private List<AxisResult> results(Axis... axes) {
        return Arrays.stream(axes).map(fixture::result).toList();
    }

    private Function<String, InputStream> objects() {
        return key -> {
            byte[] bytes = fixture.objects.get(key);
            if (bytes == null) {
                throw new NoSuchObjectException("test", key, null);
            }
            return new ByteArrayInputStream(bytes);
        };
    }
}
