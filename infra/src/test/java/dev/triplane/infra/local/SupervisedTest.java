package dev.triplane.infra.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The restart policy against a fake process: backoff, counting, and no restart of a process held on purpose. */
class SupervisedTest {

    private final AtomicBoolean alive = new AtomicBoolean(true);
    private final List<String> log = new ArrayList<>();
    private final Supervised supervised = new Supervised("svc", alive::get, () -> alive.set(true), log::add);

    @Test
    void aDeadProcessIsRestartedAfterTheBackoffWhichDoublesAndIsCounted() throws InterruptedException {
        assertThat(supervised.check()).isFalse();
        alive.set(false);
        assertThat(supervised.check()).as("noticed, restart scheduled in 1 s").isFalse();
        long noticed = System.nanoTime();
        while (!supervised.check()) {
            Thread.sleep(20);
        }
        assertThat((System.nanoTime() - noticed) / 1e9).isBetween(0.9, 2.0);
        assertThat(alive).isTrue();
        assertThat(supervised.restarts()).isEqualTo(1);

        alive.set(false);
        supervised.check();
        noticed = System.nanoTime();
        while (!supervised.check()) {
            Thread.sleep(20);
        }
        assertThat((System.nanoTime() - noticed) / 1e9).as("doubled").isBetween(1.9, 3.0);
        assertThat(supervised.restarts()).isEqualTo(2);
        assertThat(log).containsExactly("svc exited; restart 1 in 1 s", "svc restarted (restart 1)",
                "svc exited; restart 2 in 2 s", "svc restarted (restart 2)");
    }

    @Test
    void aHeldProcessIsNotRestartedUntilReleased() throws InterruptedException {
        supervised.hold();
        alive.set(false);
        for (int i = 0; i < 15; i++) {
            assertThat(supervised.check()).isFalse();
            Thread.sleep(100);
        }
        alive.set(true); // started on purpose
        supervised.release();
        assertThat(supervised.check()).isFalse();
        assertThat(supervised.restarts()).isZero();
        assertThat(log).isEmpty();
    }
}
