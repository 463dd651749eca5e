package dev.triplane.infra.local;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Java process started from this JVM's {@code java.home} with a classpath resolved at build time, its
 * output appended to a log file, stopped with SIGTERM and killed if it has not exited after a grace period.
 */
final class ChildJvm {

    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} under {@link ParentWatch}.
     *
     * @param classpathResource classpath file written by {@code dependency:build-classpath}, next to this class
     */
    static ChildJvm start(String name, String classpathResource, List<String> jvmOptions, String mainClass,
                          List<String> args, Path workDir, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add(ParentWatch.class.getName());
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // The environment, unlike the command line, has no practical length limit for a long classpath.
        builder.environment().put("CLASSPATH", classpath(classpathResource) + File.pathSeparator + ownCodeSource());
        return new ChildJvm(name, builder.start(), log);
    }

    /** A currently free TCP port on the loopback interface (free when asked; the child binds it soon after). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Throws if the process has exited; used while waiting for readiness. */
    void checkAlive() throws IOException {
        if (!process.isAlive()) {
            throw failure("exited with status " + process.exitValue() + " before it was ready");
        }
    }

    /** SIGTERM, then SIGKILL after {@code graceSeconds}; returns once the process is gone. */
    void stop(long graceSeconds) {
        process.destroy();
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    Path log() {
        return log;
    }

    /** An exception carrying the end of the child's log, where the reason usually is. */
    IOException failure(String what) {
        String tail;
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            tail = "(log unreadable: " + e + ")";
        }
        return new IOException(name + " " + what + "; end of " + log + ":\n" + tail);
    }

    private static String classpath(String resource) throws IOException {
        try (InputStream in = ChildJvm.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + resource + " missing: build the infra "
                        + "helper modules first (mvn -pl infra -am package)");
            }
            String classpath = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            for (String entry : classpath.split(File.pathSeparator)) {
                if (!Files.exists(Path.of(entry))) {
                    throw new IllegalStateException(resource + " names a missing file " + entry
                            + ": rebuild the infra helper modules (mvn -pl infra -am package)");
                }
            }
            return classpath;
        }
    }

    /** The jar or folder holding {@link ParentWatch}, which the child needs besides its own classpath. */
    private static String ownCodeSource() {
        try {
            return Path.of(ParentWatch.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the infra classes", e);
        }
    }
}
