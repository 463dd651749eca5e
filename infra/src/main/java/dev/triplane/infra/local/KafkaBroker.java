package dev.triplane.infra.local;

import dev.triplane.infra.KafkaSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft Kafka broker (combined broker and controller) in a child JVM, its data under one folder:
 * {@code server.properties}, {@code data/} (log dirs, formatted once), {@code ports} and {@code broker.log}. A
 * formatted folder keeps its topics and records across restarts, and a restart keeps the ports. Its client listener
 * is PLAINTEXT on loopback unless started with a {@link LocalKafkaSecurity} (SASL_SSL with SCRAM, optionally mutual
 * TLS); a folder must be started with the same security each time (its SCRAM credentials are written at format).
 */
final class KafkaBroker {

    private static final String CLASSPATH = "kafka-broker.classpath";
    /**
     * C1 only: on the 2-core project machine under load it halved the time to ready (about 10 s instead of
     * 15 to 21 s on a first start); the local broker carries few, small records, so peak speed does not matter.
     */
    private static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /** The local broker's {@code group.share.delivery.count.limit}. */
    static final int SHARE_DELIVERY_LIMIT = 3;

    private final Path dir;
    private final List<String> args;
    private final KafkaSettings clientSettings;
    private volatile ChildJvm child;

    private KafkaBroker(Path dir, List<String> args, KafkaSettings clientSettings) {
        this.dir = dir;
        this.args = args;
        this.clientSettings = clientSettings;
    }

    /**
     * Launches the broker, formatting its log directory first if needed; {@link #awaitReady} tells when it serves.
     * It listens on the ports of its last start when they are free ({@code ports} in the folder).
     *
     * @param security the client listener's TLS and SCRAM settings, or null for PLAINTEXT
     */
    static KafkaBroker launch(Path folder, LocalKafkaSecurity security) throws IOException {
        // The child runs in this folder: relative paths would resolve twice.
        Path dir = Files.createDirectories(folder.toAbsolutePath());
        List<Integer> ports = ChildJvm.keptPorts(dir.resolve("ports"), 2);
        Path logDirs = dir.resolve("data");
        Path config = dir.resolve("server.properties");
        writeConfig(config, logDirs, ports.get(0), ports.get(1), security);
        List<String> args = new ArrayList<>(List.of(config.toString(), logDirs.toString(),
                Uuid.randomUuid().toString()));
        KafkaSettings clients = KafkaSettings.plaintext("127.0.0.1:" + ports.get(0));
        if (security != null) {
            args.addAll(security.formatArguments());
            clients = clients.with(security.clientSettings());
        }
        KafkaBroker broker = new KafkaBroker(dir, List.copyOf(args), clients);
        broker.restart();
        return broker;
    }

    /**
     * Starts the broker's process again on the same ports and log directory (after a crash: its topics, committed
     * records and transactions survive); kills the old one first if it still runs.
     */
    synchronized void restart() throws IOException {
        if (child != null) {
            child.stop(0);
        }
        child = ChildJvm.start("kafka broker", CLASSPATH, JVM_OPTIONS, KafkaMain.class.getName(), args,
                dir, dir.resolve("broker.log"));
    }

    /** Whether the broker's process runs. */
    boolean isAlive() {
        return child.isAlive();
    }

    /** The broker process's id. */
    long pid() {
        return child.pid();
    }

    /** Waits until the broker lists itself as a cluster node. */
    void awaitReady(long timeoutSeconds) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try (Admin admin = Admin.create(adminConfig(clientSettings))) {
            while (true) {
                child.checkAlive();
                try {
                    if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                            .nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // Not listening yet.
                }
                if (System.nanoTime() > deadline) {
                    throw child.failure("not ready after " + timeoutSeconds + " s");
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the broker", e);
        }
    }

    /** How clients reach the broker, security included. */
    KafkaSettings clientSettings() {
        return clientSettings;
    }

    Path log() {
        return child.log();
    }

    /** SIGTERM (controlled shutdown), SIGKILL after 30 s. */
    void stop() {
        child.stop(30);
    }

    /** Admin client settings with short timeouts, for a broker on this machine. */
    static Map<String, Object> adminConfig(KafkaSettings settings) {
        Map<String, Object> config = new HashMap<>(settings.clientConfig());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        return config;
    }

    private static void writeConfig(Path file, Path logDirs, int port, int controllerPort,
                                    LocalKafkaSecurity security) throws IOException {
        String listener = security == null ? "PLAINTEXT" : LocalKafkaSecurity.LISTENER;
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", listener + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", listener + "://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", listener);
        p.setProperty("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:PLAINTEXT");
        if (security != null) {
            security.brokerProperties().forEach(p::setProperty);
        }
        p.setProperty("log.dirs", logDirs.toAbsolutePath().toString());
        // One node: every internal topic has one replica and one partition, which also keeps start-up fast.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // Share groups (the axis-workers' queue). The delivery limit is broker-wide in Kafka 4.2: a job that kills
        // its worker ends after 3 deliveries here (Kafka's default is 5). The group's own lock comes from the layout
        // (30 min, so a job seldom needs a renewal): the bounds admit it (Kafka's maximum is 1 min by default, an
        // hour at most) and a test's short lock.
        p.setProperty("group.share.enable", "true");
        p.setProperty("group.share.delivery.count.limit", String.valueOf(SHARE_DELIVERY_LIMIT));
        p.setProperty("group.share.min.record.lock.duration.ms", "1000");
        p.setProperty("group.share.max.record.lock.duration.ms", "3600000");
        // Topics come from the layout file only; a typo in a service must fail, not create a topic.
        p.setProperty("auto.create.topics.enable", "false");
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "written by the TriPlane local stack at each start");
        }
    }
}
