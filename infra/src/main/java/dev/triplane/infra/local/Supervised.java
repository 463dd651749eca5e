package dev.triplane.infra.local;

import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The restart policy of one local process, as compose's {@code restart: unless-stopped}: when it dies it is started
 * again after a backoff that doubles from 1 s to 30 s and goes back to 1 s once a start has stayed up for a minute;
 * a process stopped on purpose ({@link #hold}) is left alone until {@link #release}. {@link #check} is called
 * periodically by one supervising thread; each restart is counted and told to the log sink.
 */
public final class Supervised {

    /** An action that starts the process again. */
    public interface Restart {
        void run() throws IOException;
    }

    static final Duration FIRST_DELAY = Duration.ofSeconds(1);
    static final Duration MAX_DELAY = Duration.ofSeconds(30);
    static final Duration STABLE_AFTER = Duration.ofMinutes(1);

    private final String name;
    private final BooleanSupplier alive;
    private final Restart restart;
    private final Consumer<String> log;
    private Duration delay = FIRST_DELAY;
    private long startedAt = System.nanoTime();
    private long dueAt = -1;
    private int restarts;
    private boolean held;

    public Supervised(String name, BooleanSupplier alive, Restart restart, Consumer<String> log) {
        this.name = name;
        this.alive = alive;
        this.restart = restart;
        this.log = log;
    }

    /**
     * Notices a death (scheduling the restart after the current delay) or restarts when the delay has passed;
     * returns whether it restarted the process now.
     */
    public synchronized boolean check() {
        long now = System.nanoTime();
        if (held) {
            return false;
        }
        if (alive.getAsBoolean()) {
            if (now - startedAt > STABLE_AFTER.toNanos()) {
                delay = FIRST_DELAY;
            }
            return false;
        }
        if (dueAt < 0) {
            dueAt = now + delay.toNanos();
            log.accept(name + " exited; restart " + (restarts + 1) + " in " + delay.toSeconds() + " s");
            return false;
        }
        if (now < dueAt) {
            return false;
        }
        dueAt = -1;
        restarts++;
        startedAt = now;
        Duration doubled = delay.multipliedBy(2);
        delay = doubled.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : doubled;
        try {
            restart.run();
            log.accept(name + " restarted (restart " + restarts + ")");
        } catch (IOException | RuntimeException e) {
            // counted as a failed start: the next check sees it dead and backs off further
            log.accept(name + " could not be restarted: " + e.getMessage());
        }
        return true;
    }

    /** Leaves the process alone (it is being stopped on purpose) until {@link #release}. */
    public synchronized void hold() {
        held = true;
    }

    /** Supervises again (after the process was started on purpose). */
    public synchronized void release() {
        held = false;
        dueAt = -1;
        startedAt = System.nanoTime();
    }

    /** How often the process was restarted after dying. */
    public synchronized int restarts() {
        return restarts;
    }

    public String name() {
        return name;
    }
}
