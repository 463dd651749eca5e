package dev.triplane.infra.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Main class of the broker's child JVM: formats the log directory on first use, then runs {@code kafka.Kafka}.
 * Formatting in the broker's own JVM spares a second JVM start and a second load of the Scala classes.
 * Kafka is not on this module's classpath, hence the reflection.
 *
 * <p>Arguments: {@code server.properties}, the log directory, the cluster id to format with, then any further
 * {@code kafka-storage format} arguments ({@code --add-scram ...} for a SASL listener's credentials).
 */
final class KafkaMain {

    private KafkaMain() {
    }

    public static void main(String[] args) throws Exception {
        String config = args[0];
        if (!Files.exists(Path.of(args[1], "meta.properties"))) {
            int status = (int) Class.forName("kafka.tools.StorageTool")
                    .getMethod("execute", String[].class, java.io.PrintStream.class)
                    .invoke(null, format(args), System.out);
            if (status != 0) {
                System.err.println("kafka storage format failed with status " + status);
                System.exit(status);
            }
        }
        Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object) new String[]{config});
    }

    private static String[] format(String[] args) {
        List<String> format = new ArrayList<>(List.of("format", "-t", args[2], "-c", args[0]));
        format.addAll(Arrays.asList(args).subList(3, args.length));
        return format.toArray(String[]::new);
    }
}
