package dev.triplane.infra.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One local stack (real KRaft broker and s3proxy in child JVMs) per test JVM, shared by the services' tests. It is never stopped by the tests:
 * Spring caches application contexts past the test classes, and a broker stopped in {@code @AfterAll} dies
 * before them (its clients then log reconnect warnings); the children exit with this JVM ({@code ParentWatch}).
 */
public final class SharedLocalStack {

    private static LocalStack stack;

    private SharedLocalStack() {
    }

    public static synchronized LocalStack get() {
        if (stack == null) {
            try {
                Path dir = Files.createTempDirectory(Path.of("target"), "local-stack");
                stack = LocalStack.start(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the local stack", e);
            }
        }
        return stack;
    }
}
