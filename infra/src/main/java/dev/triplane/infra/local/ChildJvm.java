package dev.triplane.infra.local;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

/**
 * A Java process started from this JVM's {@code java.home} under {@link ParentWatch} (it exits when this JVM
 * dies), with a classpath resolved at build time or a Spring Boot fat jar, its output appended to a log file,
 * stopped with SIGTERM and killed if it has not exited after a grace period.
 */
public final class ChildJvm {

    private static Path extractedEntryPoints;

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
        List<String> command = new ArrayList<>(jvmOptions);
        command.add(ParentWatch.class.getName());
        command.add(mainClass);
        command.addAll(args);
        // The environment, unlike the command line, has no practical length limit for a long classpath.
        return launch(name, command, classpath(classpathResource) + File.pathSeparator + ownCodeSource(), Map.of(),
                workDir, log);
    }

    /**
     * Starts a Spring Boot fat jar under {@link ParentWatch}, which the jar must hold (every TriPlane service
     * does, through triplane-infra): Boot's {@code PropertiesLauncher} builds the jar's class loader and runs
     * {@code ParentWatch} in it ({@code loader.main}), which runs the jar's {@code Start-Class}.
     *
     * @param environment added to this JVM's environment for the child: the place for secrets, which a command
     *                    line shows to every user of the machine ({@code ps})
     */
    public static ChildJvm startBootJar(String name, Path jar, List<String> jvmOptions, List<String> args,
                                        Map<String, String> environment, Path workDir, Path log) throws IOException {
        String startClass;
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            startClass = manifest == null ? null : manifest.getMainAttributes().getValue("Start-Class");
        }
        if (startClass == null) {
            throw new IOException(jar + " is not a Spring Boot fat jar (no Start-Class in its manifest)");
        }
        List<String> command = new ArrayList<>(jvmOptions);
        command.add("-Dloader.main=" + ParentWatch.class.getName());
        command.add("org.springframework.boot.loader.launch.PropertiesLauncher");
        command.add(startClass);
        command.addAll(args);
        return launch(name, command, jar.toAbsolutePath().toString(), environment, workDir, log);
    }

    private static ChildJvm launch(String name, List<String> options, String classpath,
            Map<String, String> environment, Path workDir, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        builder.environment().put("CLASSPATH", classpath);
        return new ChildJvm(name, builder.start(), log);
    }

    /** A currently free TCP port on the loopback interface (free when asked; the child binds it soon after). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * {@code count} distinct loopback ports kept in {@code file}: the ones it names when they are all free now
     * (a server that restarts on its folder keeps its address, so its clients reconnect by themselves), otherwise
     * fresh free ones, written to it.
     */
    static List<Integer> keptPorts(Path file, int count) throws IOException {
        if (Files.exists(file)) {
            List<Integer> kept = Arrays.stream(Files.readString(file).strip().split(",")).map(Integer::valueOf)
                    .toList();
            if (kept.size() == count && kept.stream().allMatch(ChildJvm::isFree)) {
                return kept;
            }
        }
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < count) {
            int port = freePort();
            if (!ports.contains(port)) {
                ports.add(port);
            }
        }
        Files.writeString(file, ports.stream().map(String::valueOf).collect(Collectors.joining(",")));
        return ports;
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Throws if the process has exited; used while waiting for readiness. */
    public void checkAlive() throws IOException {
        if (!process.isAlive()) {
            throw failure("exited with status " + process.exitValue() + " before it was ready");
        }
    }

    /** Whether the process still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status, or -1 while the process runs. */
    public int exitStatus() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** SIGTERM, then SIGKILL after {@code graceSeconds}; returns once the process is gone. */
    public void stop(long graceSeconds) {
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

    public Path log() {
        return log;
    }

    public String name() {
        return name;
    }

    /** The operating system's process id. */
    public long pid() {
        return process.pid();
    }

    /** An exception carrying the end of the child's log, where the reason usually is. */
    public IOException failure(String what) {
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

    /**
     * The jar or folder holding {@link ParentWatch} and the children's entry points in this package, which the
     * child needs besides its own classpath. Inside a Spring Boot fat jar (the CLI) infra is a nested jar no other
     * JVM can read: then those classes, which need nothing but the JDK and the child's classpath, are copied once
     * into a temporary folder.
     */
    private static synchronized String ownCodeSource() throws IOException {
        URI location;
        try {
            location = ParentWatch.class.getProtectionDomain().getCodeSource().getLocation().toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the infra classes", e);
        }
        if ("file".equals(location.getScheme())) {
            return Path.of(location).toString();
        }
        if (extractedEntryPoints == null) {
            Path dir = Files.createTempDirectory("triplane-child-jvm");
            for (Class<?> type : List.of(ParentWatch.class, KafkaMain.class)) {
                String name = type.getName().replace('.', '/') + ".class";
                Path file = dir.resolve(name);
                Files.createDirectories(file.getParent());
                try (InputStream in = type.getResourceAsStream("/" + name)) {
                    Files.copy(in, file);
                }
            }
            extractedEntryPoints = dir;
        }
        return extractedEntryPoints.toString();
    }
}
