package dev.triplane.fusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.CascadePlan;
import dev.triplane.core.events.CascadeStage;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.fusion.FusionRule;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.prompts.BoxPrompt;
import dev.triplane.core.prompts.FramePrompt;
import dev.triplane.core.prompts.FrameRange;
import dev.triplane.core.prompts.PromptFile;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.JobMeters;
import dev.triplane.infra.service.Outbound;
import dev.triplane.infra.service.RequestEnd;
import dev.triplane.infra.storage.ObjectStoreException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fusion step without Kafka, on an in-memory store: outputs stored and events returned, the done marker after
 * publishing, bad input and an OutOfMemoryError ending the request with an error event and a FAILED status, and
 * the end of a job that kept failing.
 */
class FusionStepTest {

    private static final ObjectKeys KEYS = ObjectKeys.load();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path work;

    private final MemoryObjectStore store = new MemoryObjectStore();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void aJobIsFusedStoredAndAnnouncedOnceItsMarkerIsThere() {
        FusionFixture request = stored(new FusionFixture("r-step"));
        FusionStep step = step(real()::fuse);

        FusionStep.Outcome outcome = step.run(job(request, Axis.values()));

        assertThat(outcome.events()).extracting(Outbound::topic).containsExactly(Topic.SEGMENTATIONS, Topic.STATUS);
        SegmentationReady ready = outcome.ready();
        assertThat(ready.partial()).isFalse();
        assertThat(store.exists(ready.segmentationKey())).isTrue();
        assertThat(store.exists(ready.uncertaintyKey())).isTrue();
        assertThat(((VolumeStatus) outcome.events().get(1).event()).state()).isEqualTo(VolumeStatus.State.SEGMENTED);
        String marker = KEYS.fusionDone(request.volumeId, "r-step");
        assertThat(store.exists(marker)).isFalse();

        step.published(outcome);
        assertThat(JSON.readValue(store.objects.get(marker), SegmentationReady.class)).isEqualTo(ready);
        FusionStep.Outcome again = step.run(job(request, Axis.values()));
        assertThat(again.events()).isEmpty();
        assertThat(again.ready()).isNull();
        assertThat(count(FusionStep.FUSED)).isEqualTo(1);
        assertThat(count(FusionStep.ALREADY_DONE)).isEqualTo(1);
    }

    @Test
    void aCorrectionsRevisionIsStoredAndAnnouncedUnderItsOwnKeysBesideRevisionOne() {
        FusionFixture request = stored(new FusionFixture("r-rev"));
        FusionStep step = step(real()::fuse);
        FusionStep.Outcome first = step.run(job(request, Axis.values()));
        step.published(first);
        FusionJob own = job(request, Axis.values());
        FusionJob revised = new FusionJob(own.version(), own.volumeId(), own.requestId(), own.results(), false,
                List.of(), null, 2);

        FusionStep.Outcome second = step.run(revised);
        step.published(second);

        SegmentationReady ready = second.ready();
        assertThat(ready.revision()).isEqualTo(2);
        assertThat(ready.segmentationKey()).isEqualTo(KEYS.segmentation(request.volumeId, "r-rev", 2));
        assertThat(ready.uncertaintyKey()).isEqualTo(KEYS.uncertainty(request.volumeId, "r-rev", 2));
        assertThat(store.exists(ready.segmentationKey())).isTrue();
        assertThat(first.ready().revision()).isEqualTo(1);
        assertThat(store.exists(first.ready().segmentationKey())).isTrue();
        assertThat(store.exists(KEYS.fusionDone(request.volumeId, "r-rev", 2))).isTrue();
        assertThat(step.run(revised).events()).as("revision 2 announced once").isEmpty();
    }

    @Test
    void aPartialJobNamesTheMissingAxes() {
        FusionFixture request = stored(new FusionFixture("r-part"));

        FusionStep.Outcome outcome = step(real()::fuse).run(job(request, Axis.AXIAL, Axis.SAGITTAL));

        assertThat(outcome.ready().partial()).isTrue();
        assertThat(((VolumeStatus) outcome.events().get(1).event()).detail()).contains("partial").contains("coronal");
        assertThat(count(FusionStep.PARTIAL)).isEqualTo(1);
    }

    @Test
    void aCorruptLogitsObjectEndsTheRequestAtOnceWithoutMarker() {
        FusionFixture request = new FusionFixture("r-corrupt");
        String corrupt = KEYS.logits(request.volumeId, "r-corrupt", Axis.AXIAL);
        request.objects.put(corrupt, "not a logit volume".getBytes());
        stored(request);
        FusionStep step = step(real()::fuse);

        FusionStep.Outcome outcome = step.run(job(request, Axis.values()));
        step.published(outcome);

        assertFailed(outcome, corrupt, Reason.BAD_MAGIC);
        assertThat(store.exists(KEYS.fusionDone(request.volumeId, "r-corrupt"))).isFalse();
        assertThat(count(FusionStep.BAD_INPUT)).isEqualTo(1);
    }

    @Test
    void anOutOfMemoryErrorEndsTheRequestWithAResourceLimitError() {
        FusionFixture request = stored(new FusionFixture("r-oom"));
        FusionStep step = step((results, objects) -> {
            throw new OutOfMemoryError("Java heap space");
        });

        FusionStep.Outcome outcome = step.run(job(request, Axis.values()));

        assertFailed(outcome, KEYS.request(request.volumeId, "r-oom"), Reason.RESOURCE_LIMIT);
        assertThat(((ErrorEvent) outcome.events().get(0).event()).detail()).contains("Java heap space");
        assertThat(count(FusionStep.RESOURCE_LIMIT)).isEqualTo(1);
        assertThat(store.objects).doesNotContainKey(KEYS.segmentation(request.volumeId, "r-oom"));
    }

    @Test
    void aStoreFailureLeavesTheStepForTheErrorHandlerWhoseEndNamesTheRequest() {
        FusionFixture request = stored(new FusionFixture("r-down"));
        ObjectStoreException down = new ObjectStoreException("store down", null, true);
        FusionStep step = step((results, objects) -> {
            throw down;
        });
        FusionJob job = job(request, Axis.values());

        assertThatThrownBy(() -> step.run(job)).isSameAs(down);
        assertThat(count(JobMeters.FAILED)).isEqualTo(1);

        RequestEnd end = step.failRecord(JSON.writeValueAsString(job), Reason.RETRIES_EXHAUSTED, null, "failed");
        assertThat(end.key()).isEqualTo(request.volumeId);
        assertFailed(new FusionStep.Outcome(end.events(), null), KEYS.request(request.volumeId, "r-down"),
                Reason.RETRIES_EXHAUSTED);
        assertThat(step.failRecord(JSON.writeValueAsString(job), Reason.BAD_RECORD, "logits/x", "bad").error()
                .object()).as("an object the handler names").isEqualTo("logits/x");
        assertThatThrownBy(() -> step.failRecord("{\"not\": \"a job\"}", Reason.RETRIES_EXHAUSTED, null, "x"))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void aCascadesFirstStagePublishesThePlannedSecondStageOnPromptsDerivedFromItsFusionAndNoSegmentation() {
        FusionFixture request = stored(new FusionFixture("r-cascade"));
        FusionJob first = firstStage(request, FusionFixture.SPLEEN, FusionFixture.LIVER);

        FusionStep.Outcome outcome = step(real()::fuse).run(first);

        assertThat(outcome.ready()).isNull();
        assertThat(outcome.events()).extracting(Outbound::topic).containsExactly(Topic.AXIS_JOBS, Topic.AXIS_JOBS,
                Topic.STATUS);
        CascadePlan plan = JSON.readValue(store.objects.get(KEYS.cascadePlan(request.volumeId, "r-cascade")),
                CascadePlan.class);
        assertThat(outcome.events().subList(0, 2)).extracting(Outbound::event).containsExactlyElementsOf(plan.jobs());
        assertThat(outcome.events().subList(0, 2)).extracting(Outbound::key).containsExactly(
                request.volumeId + "/coronal", request.volumeId + "/sagittal");
        VolumeStatus status = (VolumeStatus) outcome.events().get(2).event();
        assertThat(status.state()).isEqualTo(VolumeStatus.State.SEGMENTING);
        assertThat(status.detail()).startsWith("stage 2: coronal, sagittal on prompts derived from the fusion of axial");
        List<StructurePrompts> derived = PromptFile.read(new ByteArrayInputStream(store.objects.get(
                plan.stagePrompts())), plan.stagePrompts(), FusionFixture.RAS_GRID, LabelTable.totalSegmentatorV2());
        assertThat(derived).extracting(p -> p.structureId() + " " + p.axis().id()).containsExactlyInAnyOrder(
                "1 axial", "5 axial", "1 coronal", "5 coronal", "1 sagittal", "5 sagittal");
        assertThat(store.exists(KEYS.segmentation(request.volumeId, "r-cascade"))).isFalse();
        step(real()::fuse).published(outcome);
        assertThat(store.exists(KEYS.fusionDone(request.volumeId, "r-cascade"))).isFalse();

        // delivered again: the stored prompts stand (nothing is fused again) and the same jobs are published
        byte[] prompts = store.objects.get(plan.stagePrompts());
        FusionStep again = step(real()::fuse, new CascadeStep((results, objects) -> {
            throw new AssertionError("fused again");
        }, store, KEYS, JSON));
        assertThat(again.run(first).events()).isEqualTo(outcome.events());
        assertThat(store.objects.get(plan.stagePrompts())).isEqualTo(prompts);
        assertThat(count(FusionStep.STAGED)).isEqualTo(2);
    }

    @Test
    void aStructureTheFirstStageFusedToNothingEndsTheRequestNamingIt() {
        FusionFixture request = stored(new FusionFixture("r-empty"));
        // the fixture's logits hold no structure 52: the first stage's fusion has no aorta voxel
        FusionStep.Outcome outcome = step(real()::fuse).run(firstStage(request, FusionFixture.LIVER, 52));

        String userPrompts = KEYS.prompts(request.volumeId, "r-empty");
        assertFailed(outcome, userPrompts, Reason.CASCADE_EMPTY);
        assertThat(((ErrorEvent) outcome.events().get(0).event()).detail()).contains(
                "aorta (52) came out empty from stage 1 (fused from axial)").contains("coronal, sagittal");
        assertThat(store.exists(KEYS.cascadePrompts(request.volumeId, "r-empty"))).isFalse();
    }

    /**
     * The axial first stage of a cascade over {@code structures}, each prompted on one axial slice, with the user's
     * prompt file and ingest's plan stored.
     */
    private FusionJob firstStage(FusionFixture request, int... structures) {
        List<Integer> ids = Arrays.stream(structures).sorted().boxed().toList();
        int slices = FusionFixture.RAS_GRID.shape()[Axis.AXIAL.arrayAxis()];
        List<StructurePrompts> user = ids.stream().map(id -> new StructurePrompts(id, Axis.AXIAL,
                new FrameRange(0, slices - 1), List.of(new FramePrompt(id, Axis.AXIAL, 2, List.of(),
                        new BoxPrompt(1, 1, 3, 3), null)))).toList();
        String userKey = KEYS.prompts(request.volumeId, request.requestId);
        store.put(userKey, PromptFile.canonical(user), null);
        CascadeStage stage = new CascadeStage(1, List.of(Axis.AXIAL), List.of(Axis.CORONAL, Axis.SAGITTAL));
        List<AxisJob> jobs = stage.nextAxes().stream().map(axis -> new AxisJob(AxisJob.CURRENT_VERSION,
                request.volumeId, request.requestId, axis, List.of(Axis.values()), KEYS.image(request.volumeId), null,
                ids, PromptPolicy.fromFile(KEYS.cascadePrompts(request.volumeId, request.requestId)), "is+sps",
                "sam2-micro", "fusion-test", stage.next())).toList();
        store.put(KEYS.cascadePlan(request.volumeId, request.requestId), JSON.writeValueAsBytes(new CascadePlan(
                CascadePlan.CURRENT_VERSION, userKey, PromptPolicy.fromLabels(2, SliceSelector.EXTENT_ENDS,
                List.of(PromptKind.BOX)), jobs)), null);
        AxisResult axial = request.result(Axis.AXIAL, stage);
        return new FusionJob(FusionJob.CURRENT_VERSION, request.volumeId, request.requestId, List.of(axial), false,
                List.of(), stage, 1);
    }

    private void assertFailed(FusionStep.Outcome outcome, String object, Reason reason) {
        assertThat(outcome.ready()).isNull();
        assertThat(outcome.events()).extracting(Outbound::topic).containsExactly(Topic.ERRORS, Topic.STATUS);
        ErrorEvent error = (ErrorEvent) outcome.events().get(0).event();
        assertThat(error.object()).isEqualTo(object);
        assertThat(error.reason()).isEqualTo(reason);
        assertThat(error.stage()).isEqualTo(Stage.FUSION);
        assertThat(error.retryable()).isFalse();
        VolumeStatus status = (VolumeStatus) outcome.events().get(1).event();
        assertThat(status.state()).isEqualTo(VolumeStatus.State.FAILED);
        assertThat(status.detail()).startsWith(reason + ": ");
    }

    private FusionStep step(FusionStep.Fuser fuser) {
        return step(fuser, new CascadeStep(real()::fuseRas, store, KEYS, JSON));
    }

    private FusionStep step(FusionStep.Fuser fuser, CascadeStep cascade) {
        FusionProperties properties = new FusionProperties("mean-logit", Duration.ofMinutes(30),
                FusionProperties.OnTimeout.FUSE_PARTIAL, work, work, 3, Duration.ofMinutes(15));
        return new FusionStep(fuser, cascade, store, KEYS, properties, new JobMeters(registry), JSON);
    }

    private RequestFusion real() {
        return new RequestFusion(new NiftiReader(ReadLimits.defaults()), KEYS, FusionRule.MEAN_LOGIT, 1 << 20,
                work, true);
    }

    private FusionFixture stored(FusionFixture fixture) {
        fixture.objects.forEach((key, bytes) -> store.put(key, bytes, null));
        return fixture;
    }

    private static FusionJob job(FusionFixture request, Axis... axes) {
        List<AxisResult> results = Arrays.stream(axes).map(request::result).toList();
        List<Axis> missing = Arrays.stream(Axis.values()).filter(a -> !List.of(axes).contains(a)).toList();
        return new FusionJob(FusionJob.CURRENT_VERSION, request.volumeId, request.requestId, results,
                !missing.isEmpty(), missing);
    }

    private long count(String outcome) {
        return registry.get(JobMeters.DURATION).tag("stage", "FUSION").tag("outcome", outcome).timer().count();
    }
}
