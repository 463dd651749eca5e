package dev.triplane.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.triplane.cli.stack.LocalPipeline;
import dev.triplane.cli.stack.ModelChoice;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.synthetic.FuzzCorpus;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * One supervised local pipeline (two axis-workers) for two things. First a seeded 50 of the fuzz corpus, hostile
 * and valid scans mixed, dropped into its inbox: ingest answers each (an error event or a VolumeAccepted) and no
 * process has been restarted. Then the shorter chaos schedule on the same pipeline: five good scans (one through
 * each fault point) and three bad ones, one fault of each kind (a shorter S3 outage and pause than
 * {@code benchmarks/run chaos}) while the corpus's valid scans are still in flight. Every scan must end, none may
 * be lost, and downstream must see each SegmentationReady and MetricsReady once. It is also the supervisor's test
 * under load: every service and the broker killed with SIGKILL came back, exactly once each (so the corpus made
 * nothing die), and closing the pipeline restarted nothing.
 *
 * <p>Kafka's failure detection is shortened for the test only (6 s sessions, 10 s transaction timeout), so the
 * stage after a killed process resumes in seconds instead of the defaults' minute, and each start warms up once;
 * {@code benchmarks/run chaos} keeps the defaults.
 */
class ChaosRunTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    /** The corpus's seed and limits are those of ingest's fuzz tests: inflating stays under 8 MiB. */
    private static final long FUZZ_SEED = 13;
    private static final ReadLimits FUZZ_LIMITS = new ReadLimits(4L << 20, 8L << 20);
    private static final int FUZZ_DROPS = 50;
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final Map<String, String> SHORT_TIMEOUTS = Map.of(
            "triplane.limits.max-voxel-bytes", FUZZ_LIMITS.maxVoxelBytes() + "B",
            "triplane.limits.max-inflated-bytes", FUZZ_LIMITS.maxInflatedBytes() + "B",
            // one warmup round, not three: every start and restart is on the test's clock
            "triplane.warmup-rounds", "1",
            "spring.kafka.consumer.properties.session.timeout.ms", "6000",
            "spring.kafka.consumer.properties.heartbeat.interval.ms", "1000",
            "spring.kafka.streams.properties.session.timeout.ms", "6000",
            "spring.kafka.streams.properties.heartbeat.interval.ms", "1000",
            // the services' transactional producers; Kafka Streams' own are 10 s already with exactly-once
            "spring.kafka.producer.properties.transaction.timeout.ms", "10000");

    private static final Set<VolumeStatus.State> FINAL = EnumSet.of(VolumeStatus.State.COMPLETED,
            VolumeStatus.State.FAILED, VolumeStatus.State.REJECTED);

    private final Topics topics = Topics.load();

    @Test
    void fuzzDropsEndOnceWithoutRestartsAndOneFaultOfEachKindLosesAndDuplicatesNothing() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "chaos");
        ChaosRun.Settings settings = new ChaosRun.Settings(ROOT, data, ModelChoice.of(ROOT, null), 5, 7, 1,
                Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofMinutes(4), Duration.ofMillis(500));
        LocalPipeline pipeline = ChaosRun.start(settings, SHORT_TIMEOUTS, System.out);
        ChaosReport report;
        List<FuzzDrop> drops;
        try (ObjectStore store = new MinioObjectStore(pipeline.stack().s3(), pipeline.stack().bucket())) {
            drops = dropFuzz(store);
            String bootstrap = pipeline.stack().bootstrapServers();
            try (TopicReader<ErrorEvent> errors = reader(bootstrap, Topic.ERRORS, ErrorEvent.class);
                    TopicReader<VolumeAccepted> volumes = reader(bootstrap, Topic.VOLUMES, VolumeAccepted.class)) {
                await().atMost(WAIT).until(() -> {
                    List<ErrorEvent> e = errors.poll();
                    List<VolumeAccepted> v = volumes.poll();
                    return drops.stream().allMatch(d -> !d.errors(e).isEmpty() || !d.accepted(v).isEmpty());
                });
            }
            assertThat(pipeline.info().restarts()).as("no process died of the corpus").allSatisfy(
                    (process, restarts) -> assertThat(restarts).as(process).isZero());

            report = ChaosRun.run(settings, pipeline, System.out);
            report.print(System.out);
            awaitFuzzEnd(bootstrap, drops);
            assertFuzzOutcomes(bootstrap, drops);
        } finally {
            pipeline.close();
        }
        long aliveAfterStop = ChaosRun.aliveAfterStop(pipeline);

        assertThat(report.faults().keySet()).as("every kind injected").containsExactlyInAnyOrder(Fault.values());
        assertThat(report.lost()).isZero();
        assertThat(report.duplicatedDownstream()).isZero();
        assertThat(report.duplicated()).as("a bad scan's error once, across the ingest kill").isZero();
        assertThat(report.orphans()).isEmpty();
        assertThat(report.terminal()).isEqualTo(report.scans());
        assertThat(report.restarts()).as("restarted by the supervisor, after the kills only").containsEntry("kafka", 1)
                .containsEntry("ingest-service", 1).containsEntry("fusion-service", 2)
                .containsEntry("metrics-service", 1).containsEntry("s3", 0);
        assertThat(report.restarts().get("axis-worker") + report.restarts().get("axis-worker-2")).isEqualTo(1);
        assertThat(aliveAfterStop).as("a clean stop restarts nothing").isZero();
    }

    /** One fuzz drop: its sample and its inbox folder. */
    private record FuzzDrop(FuzzCorpus.Sample sample, String folder) {

        String imageKey() {
            return folder + sample.imageName();
        }

        List<ErrorEvent> errors(List<ErrorEvent> all) {
            return all.stream().filter(e -> e.object() != null && e.object().startsWith(folder)).toList();
        }

        List<VolumeAccepted> accepted(List<VolumeAccepted> all) {
            return all.stream().filter(v -> v.source().equals(imageKey())).toList();
        }
    }

    /** The seeded 50 of the corpus, labels and prompt files before their image as the naming rule asks. */
    private static List<FuzzDrop> dropFuzz(ObjectStore store) {
        FuzzCorpus corpus = new FuzzCorpus(FUZZ_SEED, FUZZ_LIMITS);
        List<Integer> indices = IntStream.range(0, 12 * FuzzCorpus.kinds()).boxed()
                .collect(ArrayList::new, List::add, List::addAll);
        Collections.shuffle(indices, new Random(FUZZ_SEED));
        List<FuzzDrop> drops = new ArrayList<>();
        for (int index : indices.subList(0, FUZZ_DROPS)) {
            FuzzCorpus.Sample sample = corpus.sample(index);
            FuzzDrop drop = new FuzzDrop(sample, ObjectKeys.load().inboxPrefix() + "fuzz/" + index + "/");
            sample.dropObjects().forEach((name, bytes) -> store.put(drop.folder() + name, bytes, null));
            drops.add(drop);
        }
        return drops;
    }

    /** Waits until every accepted fuzz drop's request has a final status (the rejected ones have theirs). */
    private void awaitFuzzEnd(String bootstrap, List<FuzzDrop> drops) {
        List<VolumeAccepted> accepted = TopicReader.readAll(bootstrap, topics.name(Topic.VOLUMES),
                VolumeAccepted.class);
        List<VolumeAccepted> requests = drops.stream().flatMap(d -> d.accepted(accepted).stream()).toList();
        try (TopicReader<VolumeStatus> statuses = reader(bootstrap, Topic.STATUS, VolumeStatus.class)) {
            await().atMost(WAIT).until(() -> {
                List<VolumeStatus> all = statuses.poll();
                return requests.stream().allMatch(r -> all.stream().anyMatch(s -> r.volumeId().equals(s.volumeId())
                        && r.requestId().equals(s.requestId()) && FINAL.contains(s.state())));
            });
        }
    }

    /**
     * Each drop ended once: one error event naming its object at ingest with a typed reason and its REJECTED status,
     * or one acceptance, one SegmentationReady, one MetricsReady when it has labels, and COMPLETED as its request's
     * last status; where the corpus knows the answer, it is that one.
     */
    private void assertFuzzOutcomes(String bootstrap, List<FuzzDrop> drops) {
        List<ErrorEvent> errors = TopicReader.readAll(bootstrap, topics.name(Topic.ERRORS), ErrorEvent.class);
        List<VolumeAccepted> accepted = TopicReader.readAll(bootstrap, topics.name(Topic.VOLUMES),
                VolumeAccepted.class);
        List<VolumeStatus> statuses = TopicReader.readAll(bootstrap, topics.name(Topic.STATUS), VolumeStatus.class);
        List<SegmentationReady> segmentations = TopicReader.readAll(bootstrap, topics.name(Topic.SEGMENTATIONS),
                SegmentationReady.class);
        List<MetricsReady> metrics = TopicReader.readAll(bootstrap, topics.name(Topic.METRICS), MetricsReady.class);
        Map<String, Integer> byOutcome = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (FuzzDrop d : drops) {
            List<ErrorEvent> own = d.errors(errors);
            List<VolumeAccepted> ownAccepted = d.accepted(accepted);
            String outcome = own.size() == 1 && ownAccepted.isEmpty() ? own.get(0).reason().name()
                    : ownAccepted.size() == 1 && own.isEmpty() ? FuzzCorpus.VALID
                    : own.size() + " errors and " + ownAccepted.size() + " acceptances";
            byOutcome.merge(outcome, 1, Integer::sum);
            String which = "#" + d.sample().index() + " " + d.sample().mutation();
            if (d.sample().expected() != null && !d.sample().expected().equals(outcome)) {
                wrong.add(which + " ended " + outcome + ", not " + d.sample().expected());
            } else if (own.size() == 1) {
                ErrorEvent e = own.get(0);
                boolean rejected = statuses.stream().anyMatch(s -> s.state() == VolumeStatus.State.REJECTED
                        && e.volumeId().equals(s.volumeId()) && s.detail().startsWith(e.reason() + ": "));
                if (e.stage() != Stage.INGEST || e.retryable() || !rejected) {
                    wrong.add(which + ": " + e + (rejected ? "" : " without its REJECTED status"));
                }
            } else if (ownAccepted.size() == 1) {
                // a request id is unique within its volume only
                String volume = ownAccepted.get(0).volumeId();
                String request = ownAccepted.get(0).requestId();
                List<VolumeStatus> ofRequest = statuses.stream().filter(s -> volume.equals(s.volumeId())
                        && request.equals(s.requestId())).toList();
                long ready = segmentations.stream().filter(s -> volume.equals(s.volumeId())
                        && request.equals(s.requestId())).count();
                long measured = metrics.stream().filter(m -> volume.equals(m.volumeId())
                        && request.equals(m.requestId())).count();
                VolumeStatus.State last = ofRequest.isEmpty() ? null : ofRequest.get(ofRequest.size() - 1).state();
                if (last != VolumeStatus.State.COMPLETED || ready != 1
                        || measured != (d.sample().labels() != null ? 1 : 0)) {
                    wrong.add(which + " accepted, then " + last + " with " + ready + " SegmentationReady and "
                            + measured + " MetricsReady");
                }
            } else {
                wrong.add(which + " ended " + outcome);
            }
        }
        System.out.printf("fuzz corpus seed %d, %d drops through the whole pipeline, outcomes: %s%n", FUZZ_SEED,
                FUZZ_DROPS, byOutcome);
        assertThat(wrong).isEmpty();
        assertThat(byOutcome).as("valid scans among the drops").containsKey(FuzzCorpus.VALID);
    }

    private <T> TopicReader<T> reader(String bootstrap, Topic topic, Class<T> type) {
        return new TopicReader<>(bootstrap, topics.name(topic), type);
    }
}
