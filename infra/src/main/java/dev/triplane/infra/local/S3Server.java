package dev.triplane.infra.local;

import dev.triplane.infra.storage.S3Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * s3proxy serving S3 from the file system ({@code filesystem-nio2}) in a child JVM, its data under one folder:
 * {@code s3proxy.properties}, {@code blobs/} (one folder per bucket, objects survive restarts),
 * {@code logback.xml}, {@code ports} and {@code s3proxy.log}. A restart keeps the port.
 */
final class S3Server {

    private static final String CLASSPATH = "s3-server.classpath";
    static final String REGION = "us-east-1";
    /** Fixed local credentials: the server listens on the loopback interface only. */
    static final String ACCESS_KEY = "triplane";
    static final String SECRET_KEY = "triplane-local-secret";

    private final Path dir;
    private final Path config;
    private final Path logback;
    private final S3Endpoint endpoint;
    private final Path blobs;
    private volatile ChildJvm child;

    private S3Server(Path dir, Path config, Path logback, S3Endpoint endpoint, Path blobs) {
        this.dir = dir;
        this.config = config;
        this.logback = logback;
        this.endpoint = endpoint;
        this.blobs = blobs;
    }

    /**
     * Launches the server; {@link #awaitReady} tells when it serves. It listens on the port of its last start
     * when that is free ({@code ports} in the folder).
     */
    static S3Server launch(Path folder) throws IOException {
        // The child runs in this folder: relative paths would resolve twice.
        Path dir = Files.createDirectories(folder.toAbsolutePath());
        Path blobs = Files.createDirectories(dir.resolve("blobs"));
        String url = "http://127.0.0.1:" + ChildJvm.keptPorts(dir.resolve("ports"), 1).get(0);
        Path config = dir.resolve("s3proxy.properties");
        Properties p = new Properties();
        p.setProperty("s3proxy.endpoint", url);
        p.setProperty("s3proxy.authorization", "aws-v2-or-v4");
        p.setProperty("s3proxy.identity", ACCESS_KEY);
        p.setProperty("s3proxy.credential", SECRET_KEY);
        // Current SDKs send headers s3proxy 4.1 does not know at their defaults (the Java SDK's multipart client
        // sends x-amz-mp-object-size with CompleteMultipartUpload), and refusing them fails the whole upload.
        // Checksums themselves, aws-chunked bodies and their signed trailers s3proxy 4.1 handles.
        p.setProperty("s3proxy.ignore-unknown-headers", "true");
        p.setProperty("jclouds.provider", "filesystem-nio2");
        // jclouds requires these even for the file system backend.
        p.setProperty("jclouds.identity", ACCESS_KEY);
        p.setProperty("jclouds.credential", SECRET_KEY);
        p.setProperty("jclouds.filesystem.basedir", blobs.toAbsolutePath().toString());
        try (OutputStream out = Files.newOutputStream(config)) {
            p.store(out, "written by the TriPlane local stack at each start");
        }
        Path logback = dir.resolve("logback.xml");
        try (InputStream in = S3Server.class.getResourceAsStream("s3proxy-logback.xml")) {
            Files.copy(in, logback, StandardCopyOption.REPLACE_EXISTING);
        }
        S3Server server = new S3Server(dir, config, logback, new S3Endpoint(url, REGION, ACCESS_KEY, SECRET_KEY),
                blobs);
        server.restart();
        return server;
    }

    /** Starts the server's process again on the same port and folder; kills the old one first if it still runs. */
    synchronized void restart() throws IOException {
        if (child != null) {
            child.stop(0);
        }
        // C1 only for a faster start, as for the broker.
        child = ChildJvm.start("s3proxy", CLASSPATH,
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dlogback.configurationFile=" + logback.toAbsolutePath()),
                "org.gaul.s3proxy.Main", List.of("--properties", config.toString()), dir, dir.resolve("s3proxy.log"));
    }

    /** Whether the server's process runs. */
    boolean isAlive() {
        return child.isAlive();
    }

    /** Waits until an anonymous {@code GET /} is answered (403: the server is up and checks signatures). */
    void awaitReady(long timeoutSeconds) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(endpoint.url() + "/"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            while (true) {
                child.checkAlive();
                try {
                    http.send(probe, HttpResponse.BodyHandlers.discarding());
                    return;
                } catch (IOException e) {
                    // Not listening yet.
                }
                if (System.nanoTime() > deadline) {
                    throw child.failure("not ready after " + timeoutSeconds + " s");
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for s3proxy", e);
        }
    }

    S3Endpoint endpoint() {
        return endpoint;
    }

    Path log() {
        return child.log();
    }

    /** The folder of a bucket's objects on disk (filesystem-nio2 keeps an object at its key under it). */
    Path bucketFolder(String bucket) {
        return blobs.resolve(bucket);
    }

    /** SIGTERM, SIGKILL after 30 s. */
    void stop() {
        child.stop(30);
    }
}
