package dev.triplane.infra.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ParentWatchTest {

    /** A main that would run forever: a non-daemon thread keeps its JVM alive. */
    static final class Forever {
        public static void main(String[] args) {
            new Thread(() -> {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).start();
        }
    }

    @Test
    void childExitsWhenItsStandardInputCloses() throws Exception {
        Process child = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                ParentWatch.class.getName(), Forever.class.getName()))
                .redirectErrorStream(true)
                .start();
        try {
            assertThat(child.waitFor(1, TimeUnit.SECONDS)).as("still running while the pipe is open").isFalse();
            child.getOutputStream().close();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("exited after end of input").isTrue();
            assertThat(child.exitValue()).isZero();
        } finally {
            child.destroyForcibly();
        }
    }
}
