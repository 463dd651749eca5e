package dev.triplane.infra.local;

import dev.triplane.infra.KafkaSettings;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Provision;
import dev.triplane.infra.Topics;
import dev.triplane.infra.storage.S3Endpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * The local default of the pipeline without Docker: a real single-node KRaft Kafka broker and a real S3 server
 * (s3proxy on the file system), each in a child JVM on free loopback ports, with every topic of
 * {@link Topics} and the bucket of {@link ObjectKeys} created by {@link Provision}. Data lives under one folder
 * ({@code kafka/}, {@code s3/}, each with its log file) and survives restarts, which take new ports.
 *
 * <p>The children exit by themselves when this JVM dies, even by SIGKILL (see {@link ParentWatch}).
 */
public final class LocalStack implements AutoCloseable {

    private static final long READY_TIMEOUT_SECONDS = 60;

    private final KafkaBroker broker;
    private final S3Server s3;
    private final String bucket;
    private final Supervised brokerRestarts;
    private final Supervised s3Restarts;
    private volatile boolean closed;

    private LocalStack(KafkaBroker broker, S3Server s3, String bucket) {
        this.broker = broker;
        this.s3 = s3;
        this.bucket = bucket;
        this.brokerRestarts = new Supervised("kafka", broker::isAlive, broker::restart, LocalStack::tell);
        this.s3Restarts = new Supervised("s3", s3::isAlive, s3::restart, LocalStack::tell);
    }

    private static void tell(String line) {
        System.err.println("triplane: " + line);
    }

    /**
     * Starts the broker and the S3 server with their data under {@code dataDir} (created if missing) and
     * creates the missing topics and the bucket; returns once both serve. The broker's listener is PLAINTEXT on
     * loopback: only this machine's processes reach it, and the CLI, the services it starts and any client need
     * no certificates or passwords.
     */
    public static LocalStack start(Path dataDir) throws IOException {
        return start(dataDir, null);
    }

    /**
     * {@link #start(Path)} with the broker's client listener secured as {@code security} says (SASL_SSL with
     * SCRAM, optionally mutual TLS), or PLAINTEXT when null; {@link #kafka()} and {@link #serviceProperties()}
     * carry the client settings.
     */
    public static LocalStack start(Path dataDir, LocalKafkaSecurity security) throws IOException {
        Topics topics = Topics.load();
        ObjectKeys keys = ObjectKeys.load();
        // s3proxy starts while the broker's storage is formatted and the broker starts.
        S3Server s3 = S3Server.launch(dataDir.resolve("s3"));
        KafkaBroker broker = null;
        try {
            broker = KafkaBroker.launch(dataDir.resolve("kafka"), security);
            s3.awaitReady(READY_TIMEOUT_SECONDS);
            Provision.bucket(s3.endpoint(), keys);
            broker.awaitReady(READY_TIMEOUT_SECONDS);
            try (Admin admin = Admin.create(KafkaBroker.adminConfig(broker.clientSettings()))) {
                Provision.topics(admin, topics, (short) 1);
                Provision.groups(admin);
            }
            return new LocalStack(broker, s3, keys.bucket());
        } catch (IOException | RuntimeException e) {
            if (broker != null) {
                broker.stop();
            }
            s3.stop();
            throw e;
        }
    }

    /** Kafka {@code bootstrap.servers}, e.g. {@code 127.0.0.1:40123}. */
    public String bootstrapServers() {
        return broker.clientSettings().bootstrapServers();
    }

    /** How a client reaches the broker: bootstrap servers, and the TLS and SCRAM settings of a secured broker. */
    public KafkaSettings kafka() {
        return broker.clientSettings();
    }

    /** The S3 server's URL, region and credentials. */
    public S3Endpoint s3() {
        return s3.endpoint();
    }

    /**
     * The Spring properties that point a TriPlane service at this stack (service-support's {@code triplane.s3.*}
     * and {@link #kafka()}'s {@code spring.kafka.*}), for tests and for services started against it.
     */
    public Map<String, String> serviceProperties() {
        S3Endpoint endpoint = s3();
        Map<String, String> properties = new HashMap<>(kafka().properties());
        properties.putAll(Map.of("triplane.s3.url", endpoint.url(), "triplane.s3.region", endpoint.region(),
                "triplane.s3.access-key", endpoint.accessKey(), "triplane.s3.secret-key", endpoint.secretKey()));
        return Map.copyOf(properties);
    }

    /** The pipeline's bucket, created at start. */
    public String bucket() {
        return bucket;
    }

    /** Where the S3 server keeps the bucket's objects on disk, each at its key (for users looking for results). */
    public Path bucketFolder() {
        return s3.bucketFolder(bucket);
    }

    /** The broker's log file. */
    public Path brokerLog() {
        return broker.log();
    }

    /** The S3 server's log file. */
    public Path s3Log() {
        return s3.log();
    }

    /**
     * Restarts the broker or the S3 server when it died (with backoff, {@link Supervised}); called periodically by
     * the one thread that supervises the local pipeline. Returns whether it restarted one now.
     */
    public boolean supervise() {
        if (closed) {
            return false;
        }
        return brokerRestarts.check() | s3Restarts.check();
    }

    /** Restarts after a crash so far: {@code kafka} and {@code s3}. */
    public Map<String, Integer> restarts() {
        return Map.of(brokerRestarts.name(), brokerRestarts.restarts(), s3Restarts.name(), s3Restarts.restarts());
    }

    /** The broker process's id (for a harness that kills it). */
    public long brokerPid() {
        return broker.pid();
    }

    /** Returns once the broker serves (after a restart: its clients reconnect by themselves, a harness waits). */
    public void awaitBroker() throws IOException {
        broker.awaitReady(READY_TIMEOUT_SECONDS);
    }

    /** Stops the S3 server on purpose (an outage): {@link #supervise} leaves it down until {@link #startS3}. */
    public void stopS3() {
        s3Restarts.hold();
        s3.stop();
    }

    /** Starts the S3 server stopped by {@link #stopS3} again on its port; returns once it serves. */
    public void startS3() throws IOException {
        s3.restart();
        s3Restarts.release();
        s3.awaitReady(READY_TIMEOUT_SECONDS);
    }

    /** Stops the broker (controlled shutdown), then the S3 server; each is killed if not gone after 30 s. */
    @Override
    public void close() {
        closed = true;
        broker.stop();
        s3.stop();
    }
}
