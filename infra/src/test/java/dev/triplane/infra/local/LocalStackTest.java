package dev.triplane.infra.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.triplane.infra.Topic;
import dev.triplane.infra.TopicSpec;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.NoSuchObjectException;
import dev.triplane.infra.storage.ObjectInfo;
import dev.triplane.infra.storage.ObjectStore;
import dev.triplane.infra.storage.ObjectStoreException;
import dev.triplane.infra.storage.S3Endpoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
import org.junit.jupiter.api.io.TempDir;

/** The local stack on real sockets: a KRaft broker and s3proxy in child JVMs, started once for the class. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalStackTest {

    @TempDir
    static Path dataDir;

    private static LocalStack stack;
    private static final Topics TOPICS = Topics.load();

    @BeforeAll
    static void start() throws IOException {
        long t0 = System.nanoTime();
        stack = LocalStack.start(dataDir);
        System.out.printf("local stack first start: %.2f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            long t0 = System.nanoTime();
            stack.close();
            System.out.printf("local stack stop: %.2f s%n", (System.nanoTime() - t0) / 1e9);
        }
    }

    @Test
    @Order(1)
    void everyTopicExistsWithItsPartitionsAndConfigs() throws Exception {
        try (Admin admin = Admin.create(KafkaBroker.adminConfig(stack.kafka()))) {
            List<String> names = TOPICS.all().stream().map(TopicSpec::name).toList();
            assertThat(admin.listTopics().names().get()).containsAll(names);
            Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
            List<ConfigResource> resources = new ArrayList<>();
            for (String name : names) {
                resources.add(new ConfigResource(ConfigResource.Type.TOPIC, name));
            }
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
            for (TopicSpec spec : TOPICS.all()) {
                assertThat(descriptions.get(spec.name()).partitions()).as(spec.name()).hasSize(spec.partitions());
                Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
                spec.configs().forEach((key, value) ->
                        assertThat(config.get(key).value()).as(spec.name() + " " + key).isEqualTo(value));
            }
        }
    }

    @Test
    @Order(2)
    void aRecordOnTheAxisJobsTopicReachesAConsumer() {
        String topic = TOPICS.name(Topic.AXIS_JOBS);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>(topic, "vol-1", "{\"version\":1,\"axis\":\"axial\"}"));
        }
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "local-stack-test",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
        }
        assertThat(received).hasSize(1);
        assertThat(received.get(0).key()).isEqualTo("vol-1");
        assertThat(received.get(0).value()).contains("\"axis\":\"axial\"");
    }

    @Test
    @Order(3)
    void objectsRoundTripThroughTheS3Server(@TempDir Path files) throws IOException {
        byte[] image = "not really a NIfTI".getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(files.resolve("labels.bin"), new byte[]{1, 2, 3, 4, 5});
        try (ObjectStore store = new MinioObjectStore(stack.s3(), stack.bucket())) {
            store.put("volumes/a/image.nii.gz", image, "application/gzip");
            store.put("volumes/a/labels.nii.gz", file, null);
            store.put("inbox/unknown-size.nii", new ByteArrayInputStream(image), -1, null);
            store.put("results/a/r/metrics.json", new ByteArrayInputStream(image), image.length, "application/json");

            try (InputStream in = store.get("volumes/a/image.nii.gz")) {
                assertThat(in.readAllBytes()).isEqualTo(image);
            }
            assertThat(store.list("volumes/")).extracting(ObjectInfo::key, ObjectInfo::size)
                    .containsExactly(tuple("volumes/a/image.nii.gz", (long) image.length),
                            tuple("volumes/a/labels.nii.gz", 5L));
            assertThat(store.stat("inbox/unknown-size.nii")).get()
                    .satisfies(info -> assertThat(info.size()).isEqualTo(image.length))
                    .satisfies(info -> assertThat(info.lastModified()).isNotNull());
            assertThat(store.exists("results/a/r/metrics.json")).isTrue();

            store.delete("results/a/r/metrics.json");
            store.delete("results/a/r/metrics.json");
            assertThat(store.exists("results/a/r/metrics.json")).isFalse();
            assertThat(store.stat("results/a/r/metrics.json")).isEmpty();
            assertThatThrownBy(() -> store.get("results/a/r/metrics.json"))
                    .isInstanceOfSatisfying(NoSuchObjectException.class, e -> assertThat(e.retryable()).isFalse());
        }
    }

    @Test
    @Order(4)
    void wrongCredentialsAreNotRetryable() {
        S3Endpoint wrong = new S3Endpoint(stack.s3().url(), stack.s3().region(), stack.s3().accessKey(), "wrong-secret");
        try (ObjectStore store = new MinioObjectStore(wrong, stack.bucket())) {
            assertThatThrownBy(() -> store.put("inbox/x.nii", new byte[]{1}, null))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isFalse());
        }
    }

    @Test
    @Order(5)
    void restartOnTheSameFolderKeepsTopicsRecordsObjectsAndPorts() throws Exception {
        String bootstrap = stack.bootstrapServers();
        String s3 = stack.s3().url();
        stack.close();
        long t0 = System.nanoTime();
        stack = LocalStack.start(dataDir);
        System.out.printf("local stack restart: %.2f s%n", (System.nanoTime() - t0) / 1e9);
        assertThat(stack.bootstrapServers()).as("the ports of the first start, free again").isEqualTo(bootstrap);
        assertThat(stack.s3().url()).isEqualTo(s3);

        try (ObjectStore store = new MinioObjectStore(stack.s3(), stack.bucket())) {
            assertThat(store.exists("volumes/a/image.nii.gz")).isTrue();
        }
        try (Admin admin = Admin.create(KafkaBroker.adminConfig(stack.kafka()))) {
            Set<String> names = admin.listTopics().names().get();
            assertThat(names).contains(TOPICS.name(Topic.STATUS), TOPICS.name(Topic.AXIS_JOBS) + ".dlt");
            String jobs = TOPICS.name(Topic.AXIS_JOBS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < TOPICS.spec(Topic.AXIS_JOBS).partitions(); p++) {
                latest.put(new TopicPartition(jobs, p), OffsetSpec.latest());
            }
            long records = 0;
            for (ListOffsetsResultInfo end : admin.listOffsets(latest).all().get().values()) {
                records += end.offset();
            }
            assertThat(records).as("records of " + jobs + " kept across the restart").isEqualTo(1);
        }
    }

    @Test
    @Order(6)
    void aKilledBrokerIsRestartedOnItsAddressAndAStoppedS3ServerIsLeftDownUntilStarted() throws Exception {
        String bootstrap = stack.bootstrapServers();
        long pid = stack.brokerPid();
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        process.destroyForcibly(); // SIGKILL
        process.onExit().get(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!stack.supervise() && System.nanoTime() < deadline) {
            Thread.sleep(100); // the first restart waits 1 s
        }
        assertThat(stack.brokerPid()).isNotEqualTo(pid);
        assertThat(stack.restarts()).containsEntry("kafka", 1).containsEntry("s3", 0);
        assertThat(stack.bootstrapServers()).isEqualTo(bootstrap);
        try (Admin admin = Admin.create(KafkaBroker.adminConfig(stack.kafka()))) {
            // a client of the old address reaches the new process once it serves, and it kept the topics
            Set<String> names = null;
            long ready = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (names == null) {
                try {
                    names = admin.listTopics().names().get();
                } catch (ExecutionException e) {
                    assertThat(System.nanoTime()).as("broker serving again within 60 s").isLessThan(ready);
                }
            }
            assertThat(names).contains(TOPICS.name(Topic.STATUS));
        }

        stack.stopS3();
        Thread.sleep(1500);
        assertThat(stack.supervise()).as("an outage on purpose is not a crash").isFalse();
        stack.startS3();
        try (ObjectStore store = new MinioObjectStore(stack.s3(), stack.bucket())) {
            assertThat(store.exists("volumes/a/image.nii.gz")).isTrue();
        }
        assertThat(stack.restarts()).containsEntry("s3", 0);
    }
}
