package dev.triplane.ingest;

import dev.triplane.core.synthetic.SyntheticScan;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.Warmup;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.stereotype.Component;

/** Hashes and checks the synthetic scan as {@link Ingestor} does a drop, from local copies in the work folder. */
@Component
final class IngestWarmup implements Warmup {

    private final Ingestor ingestor;
    private final Path workDir;

    IngestWarmup(Ingestor ingestor, IngestProperties properties) {
        this.ingestor = ingestor;
        this.workDir = properties.inbox().workDir();
    }

    @Override
    public void run(SyntheticScan scan) {
        check(scan);
    }

    Ingestor.Checked check(SyntheticScan scan) {
        Path image = null;
        Path labels = null;
        try {
            image = Files.write(Files.createTempFile(workDir, "warmup", ".nii.gz"), scan.imageNifti());
            labels = Files.write(Files.createTempFile(workDir, "warmup", "_seg.nii.gz"), scan.labelsNifti());
            try (InputStream in = Files.newInputStream(image)) {
                ObjectKeys.volumeId(in);
            }
            return ingestor.check(new Scan(image, "synthetic image", labels, "synthetic labels", null, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(image);
            delete(labels);
        }
    }

    private static void delete(Path file) {
        try {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
