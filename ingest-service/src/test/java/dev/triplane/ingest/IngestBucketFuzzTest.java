package dev.triplane.ingest;

import dev.triplane.core.events.Reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.prompts.PromptFileException;
import dev.triplane.core.synthetic.FuzzCorpus;
import dev.triplane.core.synthetic.SyntheticScan;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A seeded 50 of the fuzz corpus dropped into the inbox of a running ingest-service on the real local broker and
 * S3 server: each drop ends in exactly one {@code ErrorEvent} naming its object and a {@code REJECTED} status, or
 * in one {@code VolumeAccepted} and an {@code ACCEPTED} status, with the outcome the in-process validation gives
 * the same files ({@link IngestValidationFuzzTest}); the service keeps running in the same context (a good scan
 * dropped after the corpus is accepted) and its heap returns to its level before. Runs in the {@code fuzz}
 * surefire execution: its own JVM, broker and bucket, so no other test's scanner takes these drops.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class IngestBucketFuzzTest {

    private static final int DROPS = 50;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long HEAP_SLACK = 32L << 20;
    private static final LocalStack STACK = SharedLocalStack.get();
    private static final Topics TOPICS = Topics.load();

    @Autowired
    private ObjectStore store;
    @Autowired
    private InboxScanner scanner;
    @Autowired
    private ApplicationContext context;

    @DynamicPropertySource
    static void stack(DynamicPropertyRegistry registry) {
        STACK.serviceProperties().forEach((name, value) -> registry.add(name, () -> value));
        registry.add("triplane.ingest.inbox.scan-interval", () -> "200ms");
        registry.add("triplane.ingest.inbox.work-dir", () -> "target");
        registry.add("triplane.limits.max-voxel-bytes", () -> IngestValidationFuzzTest.LIMITS.maxVoxelBytes() + "B");
        registry.add("triplane.limits.max-inflated-bytes",
                () -> IngestValidationFuzzTest.LIMITS.maxInflatedBytes() + "B");
    }

    @Test
    void everyDropEndsInOneErrorOrOneAcceptanceAndTheServiceCarriesOn(@TempDir Path dir) throws IOException {
        FuzzCorpus corpus = new FuzzCorpus(IngestValidationFuzzTest.SEED, IngestValidationFuzzTest.LIMITS);
        List<Integer> indices = IntStream.range(0, IngestValidationFuzzTest.COUNT).boxed()
                .collect(ArrayList::new, List::add, List::addAll);
        Collections.shuffle(indices, new Random(IngestValidationFuzzTest.SEED));
        NiftiReader reader = new NiftiReader(IngestValidationFuzzTest.LIMITS);
        LabelTable table = LabelTable.totalSegmentatorV2();
        long started = context.getStartupDate();
        long heapBefore = IngestValidationFuzzTest.usedHeapAfterGc();

        // labels and prompts before their image, as the naming rule asks
        List<Drop> drops = new ArrayList<>();
        for (int index : indices.subList(0, DROPS)) {
            FuzzCorpus.Sample sample = corpus.sample(index);
            Drop drop = new Drop(sample, "inbox/fuzz/" + index + "/", expected(dir, reader, table, sample));
            sample.dropObjects().forEach((name, bytes) -> store.put(drop.folder() + name, bytes, null));
            drops.add(drop);
        }

        List<ErrorEvent> errors;
        List<VolumeAccepted> accepted;
        List<VolumeStatus> statuses;
        try (TopicReader<ErrorEvent> errorReader = reader(Topic.ERRORS, ErrorEvent.class);
                TopicReader<VolumeAccepted> volumeReader = reader(Topic.VOLUMES, VolumeAccepted.class);
                TopicReader<VolumeStatus> statusReader = reader(Topic.STATUS, VolumeStatus.class)) {
            await().atMost(WAIT).until(() -> {
                List<ErrorEvent> e = errorReader.poll();
                List<VolumeAccepted> v = volumeReader.poll();
                return drops.stream().allMatch(d -> !errorsOf(d, e).isEmpty() || !acceptedOf(d, v).isEmpty());
            });
            // a pass after the corpus: every drop is remembered, nothing is taken again
            assertThat(scanner.scan()).isZero();
            errors = errorReader.readToEnd();
            accepted = volumeReader.readToEnd();
            statuses = statusReader.readToEnd();
        }
        Map<String, Integer> byOutcome = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (Drop d : drops) {
            List<ErrorEvent> own = errorsOf(d, errors);
            List<VolumeAccepted> ownAccepted = acceptedOf(d, accepted);
            String outcome = own.size() == 1 && ownAccepted.isEmpty() ? own.get(0).reason().name()
                    : ownAccepted.size() == 1 && own.isEmpty() ? FuzzCorpus.VALID
                    : own.size() + " errors and " + ownAccepted.size() + " acceptances";
            byOutcome.merge(outcome, 1, Integer::sum);
            if (!outcome.equals(d.expected())) {
                wrong.add(IngestValidationFuzzTest.describe(d.sample()) + " ended " + outcome + ", in-process "
                        + d.expected());
            } else if (own.size() == 1) {
                ErrorEvent e = own.get(0);
                if (e.stage() != Stage.INGEST || e.retryable() || statuses.stream().noneMatch(s ->
                        s.state() == VolumeStatus.State.REJECTED && e.volumeId().equals(s.volumeId())
                                && s.detail().startsWith(e.reason() + ": ") && s.detail().contains(e.object()))) {
                    wrong.add(IngestValidationFuzzTest.describe(d.sample()) + ": " + e
                            + " without its REJECTED status");
                }
            } else if (statuses.stream().noneMatch(s -> s.state() == VolumeStatus.State.ACCEPTED
                    && s.volumeId().equals(ownAccepted.get(0).volumeId()))) {
                wrong.add(IngestValidationFuzzTest.describe(d.sample()) + " accepted without its ACCEPTED status");
            }
        }
        System.out.printf("fuzz corpus seed %d, %d drops through the bucket, outcomes by reason: %s%n",
                IngestValidationFuzzTest.SEED, DROPS, byOutcome);
        assertThat(wrong).isEmpty();

        // the same service, still taking scans
        SyntheticScan good = SyntheticScan.create();
        String goodId = ObjectKeys.volumeId(good.imageNifti());
        store.put("inbox/fuzz/after/ct_seg.nii.gz", good.labelsNifti(), null);
        store.put("inbox/fuzz/after/ct.nii.gz", good.imageNifti(), null);
        try (TopicReader<VolumeAccepted> volumeReader = reader(Topic.VOLUMES, VolumeAccepted.class)) {
            await().atMost(WAIT).until(() -> volumeReader.poll().stream().anyMatch(v -> v.volumeId().equals(goodId)));
        }
        assertThat(context.getStartupDate()).isEqualTo(started);
        long heapAfter = IngestValidationFuzzTest.usedHeapAfterGc();
        System.out.printf("heap after GC: %d KiB before the corpus, %d KiB after%n", heapBefore >> 10,
                heapAfter >> 10);
        assertThat(heapAfter).isLessThan(heapBefore + HEAP_SLACK);
    }

    private static <T> TopicReader<T> reader(Topic topic, Class<T> type) {
        return new TopicReader<>(STACK.bootstrapServers(), TOPICS.name(topic), type);
    }

    /** One drop: its sample, its inbox folder and the outcome the in-process validation gives its files. */
    private record Drop(FuzzCorpus.Sample sample, String folder, String expected) {

        String imageKey() {
            return folder + sample.imageName();
        }

        boolean names(String object) {
            return object.startsWith(folder);
        }
    }

    private static String expected(Path dir, NiftiReader reader, LabelTable table, FuzzCorpus.Sample sample)
            throws IOException {
        Scan scan = IngestValidationFuzzTest.write(dir, sample);
        try {
            return IngestValidationFuzzTest.validate(reader, table, scan);
        } catch (InvalidVolumeException e) {
            return e.reason().name();
        } catch (PromptFileException e) {
            return Reason.BAD_PROMPTS.name();
        }
    }

    private static List<ErrorEvent> errorsOf(Drop drop, List<ErrorEvent> errors) {
        return errors.stream().filter(e -> drop.names(e.object())).toList();
    }

    private static List<VolumeAccepted> acceptedOf(Drop drop, List<VolumeAccepted> accepted) {
        return accepted.stream().filter(v -> v.source().equals(drop.imageKey())).toList();
    }
}
