package dev.triplane.fusion;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.CascadePlan;
import dev.triplane.core.events.FusionJob;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.prompts.Cascade;
import dev.triplane.core.prompts.PromptFile;
import dev.triplane.core.prompts.PromptFileException;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.service.Outbound;
import dev.triplane.infra.storage.NoSuchObjectException;
import dev.triplane.infra.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The end of a cascade's first stage ({@link Cascade}), without Kafka: fuses the stage's results on the RAS+ grid,
 * derives the second stage's prompts from the fused labels with core's {@link Cascade#secondStage}, stores them
 * under the prompt file key of the jobs ingest planned ({@link CascadePlan}), and returns those jobs (keyed
 * {@code volumeId/axis}, as ingest keys its own) and a SEGMENTING status to publish with the fusion job's offset. No segmentation is written or announced.
 *
 * <p>Fusion owns this step because it holds the fused result; ingest fixed everything else about the second stage
 * when it accepted the request. The jobs' content is the plan's, and an existing second-stage prompt file is used as
 * it is, so a redelivered first-stage fusion job publishes the same jobs reading the same prompts. A structure the
 * first stage fused to no voxel ends the request ({@code CASCADE_EMPTY}).
 */
final class CascadeStep {

    private static final Logger LOG = LoggerFactory.getLogger(CascadeStep.class);

    /** {@link RequestFusion#fuseRas}; an interface so a unit test can fuse without logits. */
    @FunctionalInterface
    interface FirstStage {
        LabelVolume fuse(List<AxisResult> results, Function<String, InputStream> objects);
    }

    private final FirstStage fusion;
    private final ObjectStore store;
    private final ObjectKeys keys;
    private final JsonMapper json;
    private final LabelTable table = LabelTable.totalSegmentatorV2();

    CascadeStep(FirstStage fusion, ObjectStore store, ObjectKeys keys, JsonMapper json) {
        this.fusion = fusion;
        this.store = store;
        this.keys = keys;
        this.json = json;
    }

    /**
     * The second stage of {@code job}'s request: its jobs and status, to publish in the job's transaction.
     *
     * @throws BadInputException when the plan or the user's prompts are missing or invalid, or a structure came out
     *     empty ({@code CASCADE_EMPTY})
     */
    List<Outbound> secondStage(FusionJob job) {
        CascadePlan plan = plan(job);
        String stagePrompts = plan.stagePrompts();
        String fusedWith = FusionEvents.ids(job.results().stream().map(AxisResult::axis).toList());
        if (store.exists(stagePrompts)) {
            LOG.info("{}/{}: second-stage prompts already stored, {} published as planned", job.volumeId(),
                    job.requestId(), stagePrompts);
        } else {
            LabelVolume firstStage = fusion.fuse(job.results(), store::get);
            int[] structures = plan.jobs().get(0).structures().stream().mapToInt(Integer::intValue).toArray();
            Cascade.Derived derived = Cascade.secondStage(userPrompts(plan.userPrompts(), firstStage), firstStage,
                    structures, plan.jobs().stream().map(AxisJob::axis).toList(),
                    plan.derivation().derivationOptions());
            if (!derived.empty().isEmpty()) {
                throw new BadInputException(plan.userPrompts(), Reason.CASCADE_EMPTY, derived.empty().stream()
                        .map(id -> table.contains(id) ? table.nameOf(id) + " (" + id + ")" : "structure " + id)
                        .collect(Collectors.joining(", ")) + " came out empty from stage 1 (fused from " + fusedWith
                        + "): no prompt for " + FusionEvents.ids(job.stage().nextAxes()) + " can be derived from it;"
                        + " prompt it on more slices or on those axes", null);
            }
            store.put(stagePrompts, PromptFile.canonical(derived.prompts()), "application/json");
        }
        String detail = plan.jobs().get(0).stage().describe() + " on prompts derived from the fusion of "
                + fusedWith + ": " + stagePrompts;
        LOG.info("{}/{}: {}", job.volumeId(), job.requestId(), detail);
        List<Outbound> out = new ArrayList<>();
        // keyed per axis as ingest keys its jobs, so they spread over partitions and run on workers side by side
        plan.jobs().forEach(j -> out.add(new Outbound(Topic.AXIS_JOBS, j, j.volumeId() + "/" + j.axis().id())));
        out.add(new Outbound(Topic.STATUS, FusionEvents.status(job.results(), VolumeStatus.State.SEGMENTING,
                detail)));
        return out;
    }

    private CascadePlan plan(FusionJob job) {
        String key = keys.cascadePlan(job.volumeId(), job.requestId());
        try (InputStream in = open(key)) {
            return json.readValue(in, CascadePlan.class);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new BadInputException(key, Reason.BAD_RECORD, "not a cascade plan: " + e.getMessage(), e);
        }
    }

    private List<StructurePrompts> userPrompts(String key, LabelVolume ras) {
        try (InputStream in = open(key)) {
            return PromptFile.read(in, key, ras.grid(), table);
        } catch (PromptFileException e) {
            throw new BadInputException(key, Reason.BAD_PROMPT_FILE, e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
    }

    private InputStream open(String key) {
        try {
            return store.get(key);
        } catch (NoSuchObjectException e) {
            throw new BadInputException(key, Reason.NO_SUCH_OBJECT, e.getMessage(), e);
        }
    }
}
