package dev.triplane.infra.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named places in the services where a fault-injection harness (the chaos benchmark and test) kills a service at
 * the worst moment: inside fusion's publish transaction, between metrics' store and its send, and so on. Off
 * unless {@code triplane.fault-points.dir} is set. The harness arms a point by creating the file
 * {@code <dir>/<point>}; the first service to reach the point claims it by renaming the file to
 * {@code <point>.<pid>} (atomic, so one process wins), logs {@value #MARKER} and pauses, and the harness kills it
 * during the pause. An armed point fires once, so a restarted service runs through it.
 *
 * <p>Static, so each service calls it in one line where the fault belongs instead of carrying a bean through its
 * constructors; {@link TriplaneServiceAutoConfiguration} installs the settings at startup.
 */
public final class FaultPoints {

    /** The log line's start when a point is reached (what an operator sees in the log of a killed service). */
    public static final String MARKER = "FAULT POINT";

    private static final Logger LOG = LoggerFactory.getLogger(FaultPoints.class);
    private static volatile TriplaneProperties.FaultPoints settings;

    private FaultPoints() {
    }

    static void install(TriplaneProperties.FaultPoints faultPoints) {
        settings = faultPoints.dir() == null ? null : faultPoints;
    }

    /** Pauses here when the harness armed {@code point}; otherwise (and always when off) returns at once. */
    public static void reach(String point) {
        TriplaneProperties.FaultPoints s = settings;
        if (s == null) {
            return;
        }
        long pid = ProcessHandle.current().pid();
        try {
            Files.move(s.dir().resolve(point), s.dir().resolve(point + "." + pid), StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return; // not armed, or another instance claimed it
        } catch (IOException e) {
            LOG.warn("fault point {}: cannot claim it: {}", point, e.toString());
            return;
        }
        LOG.warn("{} {} reached (pid {}); pausing {}", MARKER, point, pid, s.pause());
        try {
            Thread.sleep(s.pause().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
