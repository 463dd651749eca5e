package dev.triplane.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class EventRecordsTest {

    private static final String VOLUME = "ab".repeat(32);
    private static final PromptPolicy FROM_LABELS =
            PromptPolicy.fromLabels(4, SliceSelector.AREA_QUANTILES, List.of(PromptKind.POINT));

    @Test
    void memoryPolicyIsStoredInCanonicalForm() {
        AxisJob job = job("IS+SPS, w=3", FROM_LABELS, "volumes/x/labels.nii.gz");

        assertThat(job.memoryPolicy()).isEqualTo("is+sps,w=3");
    }

    @Test
    void anUnknownMemoryPolicyIsRefused() {
        assertThatThrownBy(() -> job("fastest", FROM_LABELS, "lab")).hasMessageContaining("unknown policy preset");
    }

    @Test
    void labelPromptsNeedLabels() {
        assertThatThrownBy(() -> job("sps", FROM_LABELS, null))
                .hasMessageContaining("prompts derived from labels but the volume has no labels");
        assertThat(job("sps", PromptPolicy.fromFile("inbox/p.json"), null).labelsKey()).isNull();
    }

    @Test
    void labelPolicyNeedsBudgetSelectorAndKinds() {
        assertThatThrownBy(() -> PromptPolicy.fromLabels(1, SliceSelector.EXTENT_ENDS, List.of(PromptKind.BOX)))
                .hasMessageContaining("budget >= 2");
        assertThatThrownBy(() -> PromptPolicy.fromLabels(2, null, List.of(PromptKind.BOX)))
                .hasMessageContaining("a selector");
        assertThatThrownBy(() -> PromptPolicy.fromLabels(2, SliceSelector.EXTENT_ENDS, List.of()))
                .hasMessageContaining("at least one kind");
        assertThatThrownBy(() -> new PromptPolicy(PromptPolicy.Source.FILE, 2, null, List.of(), "p.json"))
                .hasMessageContaining("a prompt file takes no budget");
    }

    @Test
    void labelPolicyBecomesDerivationOptions() {
        var options = FROM_LABELS.derivationOptions();

        assertThat(options.budget()).isEqualTo(4);
        assertThat(options.selector()).isEqualTo(SliceSelector.AREA_QUANTILES);
        assertThat(options.kinds()).isEqualTo(EnumSet.of(PromptKind.POINT));
        assertThatThrownBy(() -> PromptPolicy.fromFile("p.json").derivationOptions())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void listsAreCopiedAndNullEntriesRefused() {
        List<Integer> structures = new ArrayList<>(List.of(1, 2));
        AxisJob job = new AxisJob(AxisJob.CURRENT_VERSION, VOLUME, "r", Axis.AXIAL, List.of(Axis.AXIAL), "img", "lab", structures,
                FROM_LABELS, "np", "m", "t");
        structures.add(3);

        assertThat(job.structures()).containsExactly(1, 2);
        structures.set(0, null);
        assertThatThrownBy(() -> new AxisJob(AxisJob.CURRENT_VERSION, VOLUME, "r", Axis.AXIAL, List.of(Axis.AXIAL), "img", "lab",
                structures, FROM_LABELS, "np", "m", "t")).hasMessageContaining("structures holds a null entry");
    }

    @Test
    void progressCannotExceedItsTotal() {
        assertThatThrownBy(() -> new VolumeStatus.AxisProgress(Axis.CORONAL, 31, 30)).hasMessageContaining("31 of 30");
    }

    @Test
    void aFusionJobIsPartialExactlyWhenAxesAreMissingAndHoldsOnlyItsRequestsResults() {
        AxisResult axial = result("r1", Axis.AXIAL);

        assertThat(new FusionJob(FusionJob.CURRENT_VERSION, VOLUME, "r1", List.of(axial), true,
                List.of(Axis.CORONAL, Axis.SAGITTAL)).partial()).isTrue();
        assertThatThrownBy(() -> new FusionJob(FusionJob.CURRENT_VERSION, VOLUME, "r1", List.of(axial), false,
                List.of(Axis.CORONAL))).hasMessageContaining("partial is false with missing axes");
        assertThatThrownBy(() -> new FusionJob(FusionJob.CURRENT_VERSION, VOLUME, "r1", List.of(), false, List.of()))
                .hasMessageContaining("results must not be empty");
        assertThatThrownBy(() -> new FusionJob(FusionJob.CURRENT_VERSION, VOLUME, "r1",
                List.of(axial, result("r2", Axis.CORONAL)), true, List.of(Axis.SAGITTAL)))
                .hasMessageContaining("in the job of");
    }

    @Test
    void anAxisResultOfVersion1ReadsAsSegmentedAndOnlyAFailedOneMayHaveNoFrames() {
        JsonMapper json = JsonMapper.builder().build();
        String v3 = json.writeValueAsString(result("r1", Axis.AXIAL));
        String v1 = v3.replace("\"version\":3", "\"version\":1").replaceAll(",\"outcome\":\"SEGMENTED\".*}$", "}");

        assertThat(v1).doesNotContain("outcome").contains("\"version\":1");
        AxisResult old = json.readValue(v1, AxisResult.class);
        assertThat(old.outcome()).isEqualTo(AxisResult.Outcome.SEGMENTED);
        assertThat(old.failed()).isFalse();
        AxisResult failed = new AxisResult(AxisResult.CURRENT_VERSION, VOLUME, "r1", Axis.AXIAL,
                List.of(Axis.values()), "logits", "image", null, List.of(1), 0, new AxisResult.Timings(0, 0, 0, 0),
                "w", "t", AxisResult.Outcome.FAILED);
        assertThat(json.readValue(json.writeValueAsString(failed), AxisResult.class)).isEqualTo(failed);
        assertThatThrownBy(() -> new AxisResult(AxisResult.CURRENT_VERSION, VOLUME, "r1", Axis.AXIAL,
                List.of(Axis.values()), "logits", "image", null, List.of(1), 0, new AxisResult.Timings(0, 0, 0, 0),
                "w", "t")).hasMessageContaining("frames must be >= 1");
    }

    @Test
    void recordsWithoutAStageReadAsTheOnlyStageOfTheirRequestAndACascadeStageRoundTrips() {
        JsonMapper json = JsonMapper.builder().build();
        String v3 = json.writeValueAsString(result("r1", Axis.AXIAL));
        assertThat(v3).contains("\"stage\":{\"number\":1,\"axes\":[\"AXIAL\",\"CORONAL\",\"SAGITTAL\"],"
                + "\"nextAxes\":[]}");
        AxisResult v2 = json.readValue(v3.replace("\"version\":3", "\"version\":2").replaceAll(",\"stage\":.*}$", "}"),
                AxisResult.class);
        assertThat(v2.stage()).isEqualTo(CascadeStage.single(List.of(Axis.values())));
        assertThat(v2.stage().last()).isTrue();
        assertThat(v2.stage().cascades()).isFalse();
        FusionJob job = json.readValue(json.writeValueAsString(new FusionJob(FusionJob.CURRENT_VERSION, VOLUME, "r1",
                List.of(v2), true, List.of(Axis.CORONAL))).replaceAll(",\"stage\":\\{[^}]*}}$", "}"), FusionJob.class);
        assertThat(job.stage()).isEqualTo(CascadeStage.single(List.of(Axis.values())));

        CascadeStage first = new CascadeStage(1, List.of(Axis.AXIAL), List.of(Axis.SAGITTAL, Axis.CORONAL));
        AxisResult staged = new AxisResult(AxisResult.CURRENT_VERSION, VOLUME, "r1", Axis.AXIAL,
                List.of(Axis.values()), "logits", "image", null, List.of(1), 4, new AxisResult.Timings(0, 0, 0, 0),
                "w", "t", AxisResult.Outcome.SEGMENTED, "sam2-micro", first);
        assertThat(json.readValue(json.writeValueAsString(staged), AxisResult.class)).isEqualTo(staged);
        assertThat(first.cascades()).isTrue();
        assertThat(first.last()).isFalse();
        assertThat(first.next()).isEqualTo(new CascadeStage(2, List.of(Axis.CORONAL, Axis.SAGITTAL), List.of()));
        assertThat(first.next().describe()).isEqualTo("stage 2: coronal, sagittal");
        assertThatThrownBy(() -> new AxisResult(AxisResult.CURRENT_VERSION, VOLUME, "r1", Axis.CORONAL,
                List.of(Axis.values()), "logits", "image", null, List.of(1), 4, new AxisResult.Timings(0, 0, 0, 0),
                "w", "t", AxisResult.Outcome.SEGMENTED, "sam2-micro", first)).hasMessageContaining("must hold CORONAL");
        assertThatThrownBy(first.next()::next).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFinalStatusIsNotRevivedByALaterStatusOfItsRequest() {
        VolumeStatus failed = status("r1", VolumeStatus.State.FAILED, Stage.AXIS_WORKER);
        VolumeStatus lateProgress = new VolumeStatus(VolumeStatus.CURRENT_VERSION, VOLUME, "r1",
                VolumeStatus.State.SEGMENTING, Stage.AXIS_WORKER,
                List.of(new VolumeStatus.AxisProgress(Axis.CORONAL, 30, 30)), null);

        assertThat(VolumeStatus.merge(failed, lateProgress)).isSameAs(failed);
        assertThat(VolumeStatus.merge(failed, status("r1", VolumeStatus.State.COMPLETED, Stage.METRICS)))
                .isSameAs(failed);
        VolumeStatus rejected = status(null, VolumeStatus.State.REJECTED, Stage.INGEST);
        assertThat(VolumeStatus.merge(rejected, status(null, VolumeStatus.State.ACCEPTED, Stage.INGEST)))
                .isSameAs(rejected);
        // another request of the volume starts afresh
        VolumeStatus next = status("r2", VolumeStatus.State.ACCEPTED, Stage.INGEST);
        assertThat(VolumeStatus.merge(failed, next)).isSameAs(next);
        assertThat(VolumeStatus.merge(status("r1", VolumeStatus.State.SEGMENTED, Stage.FUSION), failed).state())
                .isEqualTo(VolumeStatus.State.FAILED);
    }

    private static VolumeStatus status(String requestId, VolumeStatus.State state, Stage stage) {
        return new VolumeStatus(VolumeStatus.CURRENT_VERSION, VOLUME, requestId, state, stage, List.of(), null);
    }

    @Test
    void enumsAreWrittenByConstantName() {
        String json = JsonMapper.builder().build().writeValueAsString(job("np", FROM_LABELS, "lab"));

        assertThat(json).contains("\"axis\":\"SAGITTAL\"", "\"selector\":\"AREA_QUANTILES\"", "\"kinds\":[\"POINT\"]");
    }

    private static AxisResult result(String requestId, Axis axis) {
        return new AxisResult(AxisResult.CURRENT_VERSION, VOLUME, requestId, axis, List.of(Axis.values()),
                "logits/x/" + requestId + "/" + axis.id() + ".bin", "volumes/x/image.nii.gz", null, List.of(1), 10,
                new AxisResult.Timings(0, 0, 0, 0), "w", "t");
    }

    private static AxisJob job(String policy, PromptPolicy prompts, String labelsKey) {
        return new AxisJob(AxisJob.CURRENT_VERSION, VOLUME, "r1", Axis.SAGITTAL, List.of(Axis.SAGITTAL), "volumes/x/image.nii.gz", labelsKey,
                List.of(1), prompts, policy, "micro", "samples");
    }
}
