package dev.triplane.infra.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.metrics.AggregateMetrics;
import dev.triplane.core.metrics.Hd95Profile;
import dev.triplane.core.metrics.StructureMetrics;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Each event record, written by Jackson, conforms to its JSON Schema under {@code triplane/schemas/}. */
class EventSchemasTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String VOLUME = "5f2b".repeat(16);

    static Stream<Arguments> examples() {
        StructureMetrics spleen = new StructureMetrics(1, "spleen", 900, 1000, 0.9, 0.82, 4.2, 3.0, 0.8, 0.95,
                Hd95Profile.MONAI, null);
        StructureMetrics liver = new StructureMetrics(5, "liver", 0, 4000, 0, 0, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Hd95Profile.MONAI, "prediction empty");
        AggregateMetrics aggregate = AggregateMetrics.of(List.of(spleen, liver));
        return Stream.of(
                Arguments.of("volume-accepted", new VolumeAccepted(VolumeAccepted.CURRENT_VERSION, VOLUME, "r1",
                        "inbox/ct.nii.gz", "volumes/" + VOLUME + "/image.nii.gz", null, List.of(122, 101, 30),
                        List.of(3.0, 3.0, 3.0), "LPS", "inbox", List.of(1, 5))),
                Arguments.of("axis-job", new AxisJob(AxisJob.CURRENT_VERSION, VOLUME, "r1", Axis.CORONAL, List.of(Axis.AXIAL, Axis.CORONAL, Axis.SAGITTAL),
                        "volumes/" + VOLUME + "/image.nii.gz", "volumes/" + VOLUME + "/labels.nii.gz", List.of(1, 5),
                        PromptPolicy.fromLabels(3, SliceSelector.EXTENT_ENDS, List.of(PromptKind.BOX, PromptKind.POINT)),
                        "is+sps", "sam2.1-micro", "samples")),
                Arguments.of("axis-job", new AxisJob(AxisJob.CURRENT_VERSION, VOLUME, "r2", Axis.AXIAL, List.of(Axis.AXIAL),
                        "volumes/" + VOLUME + "/image.nii.gz", null, List.of(5),
                        PromptPolicy.fromFile("inbox/ct.prompts.json"), "baseline", "sam2.1-tiny", "inbox")),
                Arguments.of("axis-result", new AxisResult(AxisResult.CURRENT_VERSION, VOLUME, "r1", Axis.SAGITTAL, List.of(Axis.CORONAL, Axis.SAGITTAL),
                        "logits/" + VOLUME + "/r1/sagittal.bin", "volumes/" + VOLUME + "/image.nii.gz", null,
                        List.of(1, 5), 122, new AxisResult.Timings(40, 900, 12, 960), "host-1/4242", "inbox",
                        AxisResult.Outcome.SEGMENTED, "sam2.1-tiny", null)),
                Arguments.of("axis-result", new AxisResult(AxisResult.CURRENT_VERSION, VOLUME, "r1", Axis.AXIAL,
                        List.of(Axis.values()), "logits/" + VOLUME + "/r1/axial.bin",
                        "volumes/" + VOLUME + "/image.nii.gz", null, List.of(1, 5), 0,
                        new AxisResult.Timings(0, 0, 0, 0), "host-1/4242", "inbox", AxisResult.Outcome.FAILED)),
                Arguments.of("fusion-job", new FusionJob(FusionJob.CURRENT_VERSION, VOLUME, "r1", List.of(
                        new AxisResult(AxisResult.CURRENT_VERSION, VOLUME, "r1", Axis.AXIAL, List.of(Axis.values()),
                                "logits/" + VOLUME + "/r1/axial.bin", "volumes/" + VOLUME + "/image.nii.gz", null,
                                List.of(1, 5), 30, new AxisResult.Timings(40, 900, 12, 960), "host-1/4242", "inbox")),
                        true, List.of(Axis.CORONAL, Axis.SAGITTAL))),
                Arguments.of("segmentation-ready", new SegmentationReady(SegmentationReady.CURRENT_VERSION, VOLUME, "r1",
                        "results/" + VOLUME + "/r1/segmentation.nii.gz", "results/" + VOLUME + "/r1/uncertainty.nii.gz",
                        "volumes/" + VOLUME + "/image.nii.gz", "volumes/" + VOLUME + "/labels.nii.gz", "mean-logit",
                        List.of(Axis.AXIAL, Axis.SAGITTAL), true,
                        List.of(new SegmentationReady.StructureVoxels(1, 900), new SegmentationReady.StructureVoxels(5, 0)),
                        "inbox")),
                Arguments.of("segmentation-ready", new SegmentationReady(SegmentationReady.CURRENT_VERSION, VOLUME, "r2",
                        "results/" + VOLUME + "/r2/segmentation.nii.gz", "results/" + VOLUME + "/r2/uncertainty.nii.gz",
                        "volumes/" + VOLUME + "/image.nii.gz", null, "mean-logit", List.of(Axis.values()), false,
                        List.of(new SegmentationReady.StructureVoxels(5, 12)), "inbox",
                        "results/" + VOLUME + "/r2/segmentation.dcm", 1)),
                Arguments.of("metrics-ready", new MetricsReady(MetricsReady.CURRENT_VERSION, VOLUME, "r1",
                        "results/" + VOLUME + "/r1/metrics.json", "inbox", List.of(spleen, liver), aggregate, 2,
                        aggregate)),
                Arguments.of("volume-status", new VolumeStatus(VolumeStatus.CURRENT_VERSION, VOLUME, "r1",
                        VolumeStatus.State.SEGMENTING, Stage.AXIS_WORKER,
                        List.of(new VolumeStatus.AxisProgress(Axis.AXIAL, 12, 30)), null)),
                Arguments.of("volume-status", new VolumeStatus(VolumeStatus.CURRENT_VERSION, VOLUME, null,
                        VolumeStatus.State.REJECTED, Stage.INGEST, List.of(), "TRUNCATED: file ends early")),
                Arguments.of("error-event", new ErrorEvent(ErrorEvent.CURRENT_VERSION, "inbox/broken.nii.gz",
                        Stage.INGEST, Reason.TRUNCATED, false, "voxel data ends after 10 of 20 bytes", VOLUME, null)),
                Arguments.of("error-event", new ErrorEvent(ErrorEvent.CURRENT_VERSION, "triplane.axis-jobs/3@17",
                        Stage.AXIS_WORKER, Reason.BAD_RECORD, false, "not an AxisJob", null, null)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("examples")
    void exampleConformsToItsSchemaAndRoundTrips(String schemaName, Record event) {
        JsonNode schema = schema(schemaName);
        JsonNode doc = JSON.valueToTree(event);

        assertThat(SchemaCheck.violations(schema, doc)).isEmpty();
        assertThat(schema.get("title").asString()).isEqualTo(event.getClass().getSimpleName());
        assertThat(JSON.treeToValue(doc, event.getClass())).isEqualTo(event);
    }

    @ParameterizedTest
    @MethodSource("examples")
    void schemaListsExactlyTheRecordComponents(String schemaName, Record event) {
        List<String> components = Arrays.stream(event.getClass().getRecordComponents())
                .map(RecordComponent::getName).toList();
        JsonNode schema = schema(schemaName);

        assertThat(schema.get("properties").propertyNames()).containsExactlyElementsOf(components);
        assertThat(schema.get("required").valueStream().map(JsonNode::asString).toList())
                .containsExactlyElementsOf(components);
    }

    @Test
    void theErrorSchemaListsEveryReasonAndNoOther() {
        assertThat(schema("error-event").get("properties").get("reason").get("enum").valueStream()
                .map(JsonNode::asString).toList())
                .containsExactlyElementsOf(Arrays.stream(Reason.values()).map(Reason::name).toList());
    }

    @Test
    void aWrongTypeAMissingFieldAndAnExtraFieldAreReported() {
        ObjectNode doc = (ObjectNode) JSON.valueToTree(new ErrorEvent(ErrorEvent.CURRENT_VERSION, "inbox/a.nii",
                Stage.INGEST, Reason.BAD_MAGIC, false, "not NIfTI", null, null));
        doc.put("retryable", "no");
        doc.remove("reason");
        doc.put("severity", "high");
        doc.put("stage", "UPLOAD");

        assertThat(SchemaCheck.violations(schema("error-event"), doc)).containsExactlyInAnyOrder(
                "$: missing required 'reason'",
                "$: property 'severity' is not in the schema",
                "$.retryable: STRING is not \"boolean\"",
                "$.stage: \"UPLOAD\" not in [\"INGEST\",\"AXIS_WORKER\",\"FUSION\",\"METRICS\"]");
    }

    @Test
    void nestedDefinitionsAreChecked() {
        ObjectNode doc = (ObjectNode) JSON.valueToTree(examples()
                .filter(a -> a.get()[0].equals("axis-result")).findFirst().orElseThrow().get()[1]);
        ((ObjectNode) doc.get("timings")).put("computeMs", -1);

        assertThat(SchemaCheck.violations(schema("axis-result"), doc))
                .containsExactly("$.timings.computeMs: -1 < minimum 0");
    }

    @Test
    void aRecordMissingARequiredValueFailsToDeserialise() {
        ObjectNode doc = (ObjectNode) JSON.valueToTree(new ErrorEvent(ErrorEvent.CURRENT_VERSION, "inbox/a.nii",
                Stage.INGEST, Reason.BAD_MAGIC, false, "not NIfTI", null, null));
        doc.remove("object");

        assertThatThrownBy(() -> JSON.treeToValue(doc, ErrorEvent.class))
                .hasStackTraceContaining("ErrorEvent: object is missing");
    }

    /** Events of producers older than an added nullable field read with the field null. */
    @Test
    void aSegmentationReadyWithoutASegAndAnAxisResultWithoutAModelStillRead() {
        ObjectNode ready = (ObjectNode) JSON.valueToTree(new SegmentationReady(SegmentationReady.CURRENT_VERSION,
                VOLUME, "r1", "results/" + VOLUME + "/r1/segmentation.nii.gz",
                "results/" + VOLUME + "/r1/uncertainty.nii.gz", "volumes/" + VOLUME + "/image.nii.gz", null, "mean-logit", List.of(Axis.AXIAL), false, List.of(),
                "inbox"));
        ready.remove("dicomSegmentationKey");
        assertThat(JSON.treeToValue(ready, SegmentationReady.class).dicomSegmentationKey()).isNull();
        ObjectNode result = (ObjectNode) JSON.valueToTree(new AxisResult(AxisResult.CURRENT_VERSION, VOLUME, "r1",
                Axis.AXIAL, List.of(Axis.AXIAL), "logits/" + VOLUME + "/r1/axial.bin",
                "volumes/" + VOLUME + "/image.nii.gz", null, List.of(1), 3, new AxisResult.Timings(1, 1, 1, 3), "host-1/1", "inbox"));
        result.remove("model");
        assertThat(JSON.treeToValue(result, AxisResult.class).model()).isNull();
    }

    @Test
    void unknownFieldsOfANewerProducerAreIgnored() {
        ObjectNode doc = (ObjectNode) JSON.valueToTree(new ErrorEvent(ErrorEvent.CURRENT_VERSION, "inbox/a.nii",
                Stage.INGEST, Reason.BAD_MAGIC, false, "not NIfTI", null, null));
        doc.put("version", 2);
        doc.put("addedLater", true);

        assertThat(JSON.treeToValue(doc, ErrorEvent.class).version()).isEqualTo(2);
    }

    private static JsonNode schema(String name) {
        try (InputStream in = EventSchemasTest.class.getResourceAsStream("/triplane/schemas/" + name + ".schema.json")) {
            assertThat(in).as("schema " + name).isNotNull();
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
