package dev.triplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.cli.pipeline.Outcome;
import dev.triplane.cli.pipeline.PipelineClient;
import dev.triplane.cli.pipeline.Submission;
import dev.triplane.cli.pipeline.Submitted;
import dev.triplane.cli.stack.LaunchSettings;
import dev.triplane.cli.stack.ModelChoice;
import dev.triplane.cli.stack.Service;
import dev.triplane.cli.stack.ServiceLauncher;
import dev.triplane.cli.stack.StackInfo;
import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.synthetic.ClinicalPhantom;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import dev.triplane.infra.local.TopicReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A clinical-shaped case through the real pipeline on deliberately small heaps: a 256 x 256 x 160 LPS,
 * anisotropic phantom with 40 structures, large to tiny, some touching, with the worker on 1 GB and fusion on
 * 512 MB. Before logits were held sparse and frame by frame, memory grew with the structure count and this case
 * ran out of it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClinicalScalePipelineTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final int STRUCTURES = 40;
    private static final Duration RESULT_TIMEOUT = Duration.ofMinutes(6);

    private final String tag = "scale-" + UUID.randomUUID().toString().substring(0, 8);
    private final Topics topics = Topics.load();
    private LocalStack stack;
    private ServiceLauncher launcher;
    private PipelineClient client;
    private Path image;
    private Path labels;

    @BeforeAll
    void start() throws IOException {
        stack = SharedLocalStack.get();
        Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "scale");
        image = work.resolve("phantom.nii.gz");
        labels = work.resolve("phantom_seg.nii.gz");
        ClinicalPhantom phantom = ClinicalPhantom.generate(256, 256, 160, STRUCTURES, 12);
        assertThat(Reorientation.toRas(phantom.grid()).isIdentity()).as("a non-RAS grid").isFalse();
        phantom.write(image, labels);
        Map<String, String> properties = new HashMap<>(stack.serviceProperties());
        properties.put("triplane.worker.progress-interval", "1s");
        // ingest estimates each request against the heaps the services really have
        properties.put("triplane.ingest.memory.worker-heap", "1GB");
        properties.put("triplane.ingest.memory.fusion-heap", "512MB");
        launcher = ServiceLauncher.start(Service.pipeline(1), properties,
                new LaunchSettings(ROOT, work, ModelChoice.of(ROOT, null), tag,
                        Map.of(Service.AXIS_WORKER, "1g", Service.FUSION, "512m")), Duration.ofMinutes(5));
        client = new PipelineClient(new StackInfo(stack.kafka(), stack.s3(), stack.bucket(),
                stack.bucketFolder().toString(), launcher.get(Service.INGEST).url(), launcher.ingestToken(),
                Map.of(), Map.of()));
    }

    @AfterAll
    void stop() {
        if (launcher != null) {
            launcher.close();
        }
    }

    @Test
    void fortyStructuresOnANonRasGridCompleteOnSmallHeapsWithOneResultEach() throws Exception {
        Submitted submitted = client.submit(new Submission(image, labels, null, "present", null, null, tag, null,
                null, null, null));
        assertThat(submitted.rejected()).as(submitted.toString()).isFalse();

        Outcome outcome = client.await(submitted.volumeId(), submitted.requestId(), RESULT_TIMEOUT, status -> { });

        assertThat(outcome.succeeded()).as(outcome.toString()).isTrue();
        SegmentationReady segmentation = outcome.segmentation();
        assertThat(segmentation.axes()).containsExactly(Axis.values());
        assertThat(segmentation.structures()).hasSize(STRUCTURES);
        assertThat(outcome.metrics().structures()).hasSize(STRUCTURES);
        String volumeId = submitted.volumeId();
        assertThat(countFor(Topic.SEGMENTATIONS, SegmentationReady.class, SegmentationReady::volumeId, volumeId))
                .isEqualTo(1);
        assertThat(countFor(Topic.METRICS, MetricsReady.class, MetricsReady::volumeId, volumeId)).isEqualTo(1);
    }

    @Test
    void aScanOverTheFusionBudgetIsRejectedAtTheDoorWithResourceLimit() throws Exception {
        // 400 x 400 x 160 voxels: fusion's 20 bytes a voxel are more than 80% of its 512 MB
        Path work = image.getParent();
        Path big = work.resolve("big.nii.gz");
        Path bigLabels = work.resolve("big_seg.nii.gz");
        ClinicalPhantom.generate(400, 400, 160, 2, 5).write(big, bigLabels);

        Submitted submitted = client.submit(new Submission(big, bigLabels, null, "present", null, null, tag, null,
                null, null, null));

        assertThat(submitted.rejected()).as(submitted.toString()).isTrue();
        assertThat(submitted.reason()).isEqualTo("RESOURCE_LIMIT");
        assertThat(submitted.detail()).contains("fusion");
        assertThat(TopicReader.readAll(stack.bootstrapServers(), topics.name(Topic.AXIS_JOBS), AxisJob.class))
                .noneMatch(job -> job.volumeId().equals(submitted.volumeId()));
    }

    private <T> long countFor(Topic topic, Class<T> type, Function<T, String> volume, String volumeId) {
        return TopicReader.readAll(stack.bootstrapServers(), topics.name(topic), type).stream()
                .filter(e -> volume.apply(e).equals(volumeId)).count();
    }
}
