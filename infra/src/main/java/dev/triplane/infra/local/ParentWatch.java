package dev.triplane.infra.local;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;

/**
 * Entry point of the local stack's child JVMs: runs {@code args[0]}'s {@code main} with the remaining
 * arguments and exits (running the child's shutdown hooks) once standard input reaches end of file. The
 * parent holds the other end of that pipe, so a parent killed with SIGKILL, which runs no hook of its own,
 * still takes its broker and S3 server down cleanly.
 */
public final class ParentWatch {

    private ParentWatch() {
    }

    public static void main(String[] args) throws Throwable {
        Thread watch = new Thread(ParentWatch::exitAtEndOfInput, "parent-watch");
        watch.setDaemon(true);
        watch.start();
        try {
            Class.forName(args[0]).getMethod("main", String[].class)
                    .invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void exitAtEndOfInput() {
        try {
            while (System.in.read() >= 0) {
                // The parent never writes; anything read is ignored.
            }
        } catch (IOException e) {
            // A broken pipe means the parent is gone, same as end of input.
        }
        System.exit(0);
    }
}
