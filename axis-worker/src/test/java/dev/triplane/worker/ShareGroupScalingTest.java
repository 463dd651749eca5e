package dev.triplane.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.ParentWatch;
import dev.triplane.infra.local.TopicReader;
import dev.triplane.infra.service.RequestEnd;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.json.JsonMapper;

/**
 * Workers in child JVMs on the share group, against their own broker (the group's lock shortened to
 * {@value #LOCK_MS} ms, the local broker's delivery limit of 3, {@code triplane.axis-jobs} recreated with one
 * partition): more workers than partitions all compute at once; a job whose worker is SIGKILLed
 * mid-job completes on another worker; a job that kills its worker on every delivery ends FAILED
 * ({@code WORKER_CRASHED}) at its last delivery while the next job completes; a job renewed twice while the next
 * one waits behind it on the same worker (acquired by a renewal's poll) is, like that one, delivered and computed
 * once. Workers are killed at the fault point {@code axis-worker.mid-job} (after computing, before storing), as the
 * chaos harness does; the long job pauses there.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShareGroupScalingTest {

    private static final Path SAMPLE_IMAGE = Path.of("..", "samples", "example_ct_sm.nii.gz");
    private static final Path SAMPLE_LABELS = Path.of("..", "samples", "example_seg.nii.gz");
    private static final String MID_JOB = "axis-worker.mid-job";
    private static final int LOCK_MS = 120_000;
    /**
     * The workers' renewal interval: under the lock, and with it longer than any job here, even on a loaded
     * machine (WorkerProperties.renewalProblem).
     */
    private static final Duration RENEW = Duration.ofSeconds(6);
    /**
     * How long a worker pauses at the armed mid-job point: time to kill it there, and for a job that goes on it
     * spans two renewals more.
     */
    private static final Duration PAUSE = Duration.ofSeconds(13);
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Path dir;
    private static LocalStack stack;
    private static Topics topics;
    private static ObjectKeys keys;
    private static ObjectStore store;
    private static KafkaProducer<String, String> producer;
    private static TopicReader<AxisResult> results;
    private static TopicReader<ErrorEvent> errors;
    private static final List<Process> workers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory(Path.of("target"), "share-group").toAbsolutePath();
        stack = LocalStack.start(dir.resolve("stack"));
        topics = Topics.load();
        keys = ObjectKeys.load();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            // the queue as one partition: a share group spreads a topic's partitions over its members and shares
            // a partition among them only when they outnumber the partitions
            String jobs = topics.name(Topic.AXIS_JOBS);
            admin.deleteTopics(List.of(jobs)).all().get();
            await().atMost(WAIT).ignoreExceptions().until(() -> {
                admin.createTopics(List.of(new NewTopic(jobs, 1, (short) 1))).all().get();
                return true;
            });
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP,
                    ShareJobListener.GROUP), List.of(new AlterConfigOp(new ConfigEntry(
                    "share.record.lock.duration.ms", String.valueOf(LOCK_MS)), AlterConfigOp.OpType.SET))))
                    .all().get();
        }
        Files.createDirectories(dir.resolve("faults"));
        for (int i = 0; i < 3; i++) {
            workers.add(startWorker());
        }
        store = new MinioObjectStore(stack.s3(), keys.bucket());
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
        results = new TopicReader<>(stack.bootstrapServers(), topics.name(Topic.AXIS_RESULTS), AxisResult.class);
        errors = new TopicReader<>(stack.bootstrapServers(), topics.name(Topic.ERRORS), ErrorEvent.class);
        awaitMembers(3);
    }

    @AfterAll
    static void stop() throws Exception {
        workers.forEach(Process::destroyForcibly);
        for (AutoCloseable c : new AutoCloseable[] {results, errors, producer, store, stack}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    @Order(1)
    void threeWorkersOnOnePartitionComputeAtOnce() throws Exception {
        List<AxisJob> jobs = List.of(job('a'), job('b'), job('c'));
        for (AxisJob job : jobs) {
            send(job);
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(segmented(jobs)).hasSize(3));
        List<AxisResult> done = segmented(jobs);
        assertThat(done).extracting(AxisResult::worker).doesNotHaveDuplicates();
        // each job's progress statuses span the others': the three computed at the same time
        Map<String, long[]> spans = progressSpans(jobs);
        assertThat(spans).hasSize(3);
        long lastStart = spans.values().stream().mapToLong(s -> s[0]).max().orElseThrow();
        long firstEnd = spans.values().stream().mapToLong(s -> s[1]).min().orElseThrow();
        assertThat(lastStart).as("the last job started before the first one ended").isLessThanOrEqualTo(firstEnd);
    }

    @Test
    @Order(2)
    void aJobKillingItsWorkerOnEveryDeliveryEndsFailedAtTheLastOneWhileTheNextJobCompletes() throws Exception {
        AxisJob crashing = job('d');
        arm();
        send(crashing);
        long first = killClaimer();
        // a replacement joins while the job's second delivery kills another worker
        workers.add(startWorker());
        arm();
        long second = killClaimer();
        assertThat(second).isNotEqualTo(first);
        AxisJob next = job('e');
        send(next);

        await().atMost(WAIT).untilAsserted(() -> assertThat(segmented(List.of(next))).hasSize(1));
        await().atMost(WAIT).untilAsserted(() -> assertThat(errors.poll())
                .filteredOn(e -> crashing.volumeId().equals(e.volumeId())).singleElement().satisfies(e -> {
                    assertThat(e.reason()).isEqualTo(Reason.WORKER_CRASHED);
                    assertThat(e.stage()).isEqualTo(Stage.AXIS_WORKER);
                    assertThat(e.detail()).contains("delivered 3 times");
                }));
        await().atMost(WAIT).untilAsserted(() -> assertThat(results.poll())
                .filteredOn(r -> r.volumeId().equals(crashing.volumeId())).singleElement()
                .satisfies(r -> assertThat(r.failed()).isTrue()));
        assertThat(TopicReader.readAll(stack.bootstrapServers(), topics.name(Topic.STATUS), VolumeStatus.class))
                .filteredOn(s -> s.volumeId().equals(crashing.volumeId())).last()
                .satisfies(s -> assertThat(s.state()).isEqualTo(VolumeStatus.State.FAILED));
    }

    @Test
    @Order(3)
    void aJobWhoseWorkerIsKilledMidJobCompletesOnAnotherWorker() throws Exception {
        awaitMembers(2);
        AxisJob job = job('f');
        arm();
        send(job);
        long killed = killClaimer();

        await().atMost(WAIT).untilAsserted(() -> assertThat(segmented(List.of(job))).singleElement()
                .satisfies(r -> assertThat(r.worker()).doesNotEndWith(":" + killed)));
    }

    @Test
    @Order(4)
    void aJobSpanningRenewalsWithAJobWaitingBehindItIsEachComputedAndAcknowledgedOnce() throws Exception {
        // one worker, whose job spans two renewals at its mid-job pause while the next job waits
        List<Process> alive = workers.stream().filter(Process::isAlive).toList();
        alive.subList(1, alive.size()).forEach(Process::destroyForcibly);
        Process worker = alive.get(0);
        AxisJob running = job('1');
        AxisJob waiting = job('2');
        arm();
        String first = send(running);
        Path claimed = dir.resolve("faults").resolve(MID_JOB + "." + worker.pid());
        await().atMost(WAIT).until(() -> Files.exists(claimed));
        Files.delete(claimed);
        String second = send(waiting);

        List<AxisJob> both = List.of(running, waiting);
        await().atMost(WAIT).untilAsserted(() -> assertThat(segmented(both)).hasSize(2));
        // every record of the queue acknowledged: no delivery of either job is left to come
        await().atMost(WAIT).untilAsserted(() -> assertThat(queueLag()).isZero());
        List<String> ids = both.stream().map(AxisJob::volumeId).toList();
        List<AxisResult> published = results.poll().stream().filter(r -> ids.contains(r.volumeId())).toList();
        assertThat(published).as("one result per job, none failed or re-published").hasSize(2)
                .allSatisfy(r -> {
                    assertThat(r.failed()).isFalse();
                    assertThat(r.timings().computeMs()).as("computed, not re-published").isPositive();
                });
        assertThat(published).filteredOn(r -> r.volumeId().equals(running.volumeId())).singleElement()
                .satisfies(r -> assertThat(r.timings().totalMs()).as("two renewals")
                        .isGreaterThan(RENEW.multipliedBy(2).toMillis()));
        String log = Files.readString(dir.resolve("worker-" + workers.indexOf(worker) + ".log"));
        assertThat(log).doesNotContain("cannot be acknowledged");
        for (String job : List.of(first, second)) {
            assertThat(log.lines().filter(line -> line.contains(job + ": job acquired"))).as(job + " delivered")
                    .singleElement().asString().contains("delivery 1 of");
        }
    }

    /** The records of {@code triplane.axis-jobs} the share group has not acknowledged. */
    private static long queueLag() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            return admin.listShareGroupOffsets(Map.of(ShareJobListener.GROUP, new ListShareGroupOffsetsSpec()))
                    .partitionsToOffsetInfo(ShareJobListener.GROUP).get().values().stream()
                    .mapToLong(info -> info.lag().orElse(Long.MAX_VALUE)).sum();
        }
    }

    /** Stores the sample under a fresh volume id and returns its axial job. */
    private static AxisJob job(char c) throws IOException {
        String volumeId = String.valueOf(c).repeat(64);
        store.put(keys.image(volumeId), Files.readAllBytes(SAMPLE_IMAGE), null);
        store.put(keys.labels(volumeId), Files.readAllBytes(SAMPLE_LABELS), null);
        return new AxisJob(AxisJob.CURRENT_VERSION, volumeId, "r1", Axis.AXIAL, List.of(Axis.AXIAL),
                keys.image(volumeId), keys.labels(volumeId), List.of(1, 5),
                PromptPolicy.fromLabels(2, SliceSelector.EXTENT_ENDS, List.of(PromptKind.BOX)), "baseline",
                "sam2-micro", "share-test");
    }

    /** Sends the job; returns its record's place as the worker's log names it. */
    private static String send(AxisJob job) throws Exception {
        RecordMetadata sent = producer.send(new ProducerRecord<>(topics.name(Topic.AXIS_JOBS),
                job.volumeId() + "/axial", JSON.writeValueAsString(job))).get();
        return RequestEnd.where(sent.topic(), sent.partition(), sent.offset());
    }

    private static List<AxisResult> segmented(Collection<AxisJob> jobs) {
        List<String> ids = jobs.stream().map(AxisJob::volumeId).toList();
        return results.poll().stream().filter(r -> ids.contains(r.volumeId()) && !r.failed()).toList();
    }

    /** Arms the mid-job fault point: the next worker reaching it pauses there. */
    private static void arm() throws IOException {
        Files.writeString(dir.resolve("faults").resolve(MID_JOB), "");
    }

    /** Waits for a worker to claim the armed point, SIGKILLs it and returns its pid. */
    private static long killClaimer() throws IOException {
        Path[] claimed = new Path[1];
        await().atMost(WAIT).until(() -> {
            try (Stream<Path> files = Files.list(dir.resolve("faults"))) {
                claimed[0] = files.filter(f -> f.getFileName().toString().startsWith(MID_JOB + "."))
                        .findFirst().orElse(null);
            }
            return claimed[0] != null;
        });
        long pid = Long.parseLong(claimed[0].getFileName().toString().substring(MID_JOB.length() + 1));
        Files.delete(claimed[0]);
        Optional<ProcessHandle> worker = ProcessHandle.of(pid);
        assertThat(worker).as("the claiming worker").isPresent();
        worker.get().destroyForcibly();
        await().atMost(WAIT).until(() -> !worker.get().isAlive());
        return pid;
    }

    /** Per job, the broker times of its first and last progress status while computing. */
    private static Map<String, long[]> progressSpans(List<AxisJob> jobs) {
        Map<String, long[]> spans = new HashMap<>();
        List<String> ids = jobs.stream().map(AxisJob::volumeId).toList();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.name(Topic.STATUS)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
                    VolumeStatus status = JSON.readValue(record.value(), VolumeStatus.class);
                    boolean computing = status.axes().size() == 1
                            && status.axes().get(0).framesDone() < status.axes().get(0).framesTotal();
                    if (ids.contains(record.key()) && computing) {
                        spans.merge(record.key(), new long[] {record.timestamp(), record.timestamp()},
                                (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                    }
                }
            }
        }
        return spans;
    }

    private static void awaitMembers(int count) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            // members with their assignment: a member that has joined takes jobs only once it has one
            await().atMost(WAIT).ignoreExceptions().until(() -> admin.describeShareGroups(
                    List.of(ShareJobListener.GROUP)).all().get().get(ShareJobListener.GROUP).members().stream()
                    .filter(m -> !m.assignment().topicPartitions().isEmpty()).count() >= count);
        }
    }

    /** A worker in a child JVM on the test class path, against this test's stack. */
    private static Process startWorker() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + dir,
                ParentWatch.class.getName(), WorkerApplication.class.getName(), "--server.port=0",
                "--triplane.worker.models-dir=../models", "--triplane.worker.threads=1",
                "--triplane.worker.renew-interval=" + RENEW.toSeconds() + "s",
                "--triplane.worker.max-job-duration=" + RENEW.plusMillis(LOCK_MS).toSeconds() + "s",
                "--triplane.worker.progress-interval=0s", "--triplane.fault-points.dir=" + dir.resolve("faults"),
                "--triplane.fault-points.pause=" + PAUSE.toSeconds() + "s",
                "--logging.level.org.apache.kafka=WARN",
                // the test's one-partition queue stays so (Spring's admin would grow it to the layout's count)
                "--spring.kafka.admin.auto-create=false"));
        stack.serviceProperties().forEach((name, value) -> command.add("--" + name + "=" + value));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("worker-" + workers.size() + ".log").toFile());
        // the environment, not the command line: the class path is long (ONNX Runtime fails on long commands)
        builder.environment().put("CLASSPATH", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")));
        builder.environment().put("OPT_OUT_TRACKING", "true");
        return builder.start();
    }
}
