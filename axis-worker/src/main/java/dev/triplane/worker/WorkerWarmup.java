package dev.triplane.worker;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.prompts.DerivationOptions;
import dev.triplane.core.prompts.LabelPrompts;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.synthetic.SyntheticScan;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.service.Warmup;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Runs the synthetic scan through what surrounds the engine in a job ({@link AxisJobHandler}): reading and
 * reorienting the image and labels, deriving prompts on every axis and encoding logits. The engine itself is
 * left out: with real weights one frame on a CPU takes seconds, and the model is already loaded
 * ({@code triplane.worker.preload}).
 */
@Component
final class WorkerWarmup implements Warmup {

    private final NiftiReader reader;
    private final LogitVolumeCodec.Encoding encoding;
    private final Path workDir;

    WorkerWarmup(NiftiReader reader, WorkerProperties properties) {
        this.reader = reader;
        this.encoding = properties.encoding();
        this.workDir = properties.workFolder();
    }

    @Override
    public void run(SyntheticScan scan) {
        prompts(scan);
        try {
            Files.createDirectories(workDir);
            Path file = Files.createTempFile(workDir, "warmup-", ".bin");
            try {
                for (Axis axis : Axis.values()) {
                    LogitVolumeCodec.write(scan.logits(axis), encoding, file);
                }
            } finally {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The prompts of every structure on every axis, derived from the labels read back from NIfTI. */
    List<StructurePrompts> prompts(SyntheticScan scan) {
        ImageVolume image = reader.read(new ByteArrayInputStream(scan.imageNifti()), "synthetic image")
                .toImageVolume();
        Reorientation.toRas(image.grid()).forward(image);
        LabelVolume labels = reader.read(new ByteArrayInputStream(scan.labelsNifti()), "synthetic labels")
                .toLabelVolume();
        LabelVolume ras = Reorientation.toRas(labels.grid()).forward(labels);
        return LabelPrompts.deriveAll(ras, SyntheticScan.STRUCTURES, List.of(Axis.values()),
                DerivationOptions.defaults());
    }
}
