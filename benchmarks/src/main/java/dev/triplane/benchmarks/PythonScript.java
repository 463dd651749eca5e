package dev.triplane.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A reference script of {@code tools/bench/} run in a child process by the interpreter with the pinned tools:
 * environment {@code TRIPLANE_PYTHON}, default {@code tools/.venv/bin/python}. Its stderr goes to ours.
 */
record PythonScript(String python, String script) {

    static PythonScript of(String script) {
        return new PythonScript(System.getenv().getOrDefault("TRIPLANE_PYTHON", "tools/.venv/bin/python"), script);
    }

    /** Runs it and returns its stdout. */
    String output(String... args) throws IOException, InterruptedException {
        Process process = start(ProcessBuilder.Redirect.PIPE, args);
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        check(process, args);
        return out;
    }

    /** Runs it with its stdout on ours (progress of long steps). */
    void run(String... args) throws IOException, InterruptedException {
        check(start(ProcessBuilder.Redirect.INHERIT, args), args);
    }

    private Process start(ProcessBuilder.Redirect stdout, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(python, script));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(stdout).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    private void check(Process process, String... args) throws IOException, InterruptedException {
        if (process.waitFor() != 0) {
            throw new IOException(python + " " + script + " " + String.join(" ", args) + " failed with exit code "
                    + process.exitValue());
        }
    }
}
