package dev.triplane.cli.pipeline;

import dev.triplane.core.evaluation.CaseSegmenter;
import dev.triplane.core.evaluation.CaseVolumes;
import dev.triplane.core.fusion.FusionRule;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code triplane ablate --through-pipeline}: each case x policy is uploaded to a running pipeline as a user
 * would ({@code POST /volumes} with its labels and the ablation's axes, prompts and policy), followed through
 * Kafka until its metrics event, and its fused segmentation read back from the object store. The SAM2 graph
 * clocks run in the workers, so the memory-attention and image-encoder times are not measured here (NaN).
 */
public final class PipelineSegmenter implements CaseSegmenter {

    private final PipelineClient client;
    private final ObjectStore store;
    private final Path workDir;
    private final String axes;
    private final int budget;
    private final SliceSelector selector;
    private final String promptKinds;
    private final FusionRule fusion;
    private final String model;
    private final String datasetTag;
    private final Duration timeout;

    /**
     * @param workDir    where each case's image and labels are written for upload
     * @param fusion     the rule the ablation reports; the fusion-service must be configured with it
     * @param model      the model name the workers run
     * @param datasetTag the tag of this ablation's requests (a new tag makes new requests of the same volumes)
     * @param timeout    how long one case x policy may take
     */
    public PipelineSegmenter(PipelineClient client, ObjectStore store, Path workDir, List<Axis> axes, int budget,
            SliceSelector selector, Set<PromptKind> promptKinds, FusionRule fusion, String model, String datasetTag,
            Duration timeout) {
        this.client = client;
        this.store = store;
        this.workDir = workDir;
        this.axes = axes.stream().map(Axis::id).collect(Collectors.joining(","));
        this.budget = budget;
        this.selector = selector;
        this.promptKinds = promptKinds.stream().map(PromptKind::id).collect(Collectors.joining(","));
        this.fusion = fusion;
        this.model = model;
        this.datasetTag = datasetTag;
        this.timeout = timeout;
    }

    @Override
    public Segmentation segment(CaseVolumes c, MemoryPolicy policy, int[] structureIds) throws IOException {
        Files.createDirectories(workDir);
        Path image = workDir.resolve(c.id() + ".nii.gz");
        Path labels = workDir.resolve(c.id() + "_seg.nii.gz");
        if (!Files.exists(image)) {
            NiftiWriter.write(labels, c.reference(), c.header());
            NiftiWriter.write(image, c.image(), c.header());
        }
        String structures = Arrays.stream(structureIds).mapToObj(Integer::toString).collect(Collectors.joining(","));
        Submitted submitted = client.submit(new Submission(image, labels, null, structures, policy.name(), model,
                datasetTag, axes, budget, selector.id(), promptKinds));
        String what = "case " + c.id() + ", policy " + policy.name();
        if (submitted.rejected()) {
            throw new IOException(what + ": ingest rejected it: " + submitted.reason() + ": " + submitted.detail());
        }
        Outcome outcome = client.await(submitted.volumeId(), submitted.requestId(), timeout, status -> { });
        if (!outcome.succeeded()) {
            throw new IOException(what + ": the pipeline ended without metrics (" + (outcome.finished()
                    ? "status " + outcome.status() + ", errors " + outcome.errors() : "timed out after " + timeout)
                    + ")");
        }
        String rule = outcome.segmentation().fusionRule();
        if (!rule.equals(fusion.id())) {
            throw new IllegalStateException(what + ": the pipeline fused with " + rule + " but the ablation reports "
                    + fusion.id() + "; run it with --fusion " + rule + " or set triplane.fusion.rule");
        }
        String key = outcome.segmentation().segmentationKey();
        try (InputStream in = store.get(key)) {
            LabelVolume fused = new NiftiReader(ReadLimits.defaults()).read(in, key).toLabelVolume();
            return new Segmentation(fused, Double.NaN, Double.NaN);
        }
    }
}
