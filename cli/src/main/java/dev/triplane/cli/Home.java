package dev.triplane.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository is: service jars, {@code models/}, {@code samples/} and the default data folder. */
final class Home {

    /** Set by the {@code triplane} script to the repository root. */
    static final String PROPERTY = "triplane.home";

    private Home() {
    }

    /**
     * {@code -Dtriplane.home}, else the nearest folder up from the working directory holding
     * {@code models/sam2-micro}.
     */
    static Path root() {
        String home = System.getProperty(PROPERTY);
        if (home != null) {
            return Path.of(home).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("models/sam2-micro"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the TriPlane repository: run ./triplane from it, or set -D"
                + PROPERTY);
    }
}
