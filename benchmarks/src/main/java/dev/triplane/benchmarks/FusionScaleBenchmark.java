package dev.triplane.benchmarks;

import dev.triplane.core.fusion.FusionRule;
import dev.triplane.core.fusion.TriAxisFusion;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.propagation.AxisLogits;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.synthetic.ClinicalPhantom;
import dev.triplane.core.synthetic.SyntheticLogits;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Stored logit size and fusion time on logits as sparse as real SAM2 output, at clinical size, without the
 * pipeline: a {@link ClinicalPhantom}, {@link SyntheticLogits} of every structure on each axis (spilled as an axis
 * job spills them, stored with {@link LogitVolumeCodec}), then fusion's own steps on the stored files (open each
 * axis frame by frame, {@link TriAxisFusion} structure by structure, both NIfTI outputs written). Prints bytes per
 * voxel per axis and in all, the fusion time and how much the heap grew during the fusion. The micro model's
 * logits are dense; {@code benchmarks/run scale} measures those through the pipeline. Arguments:
 * {@code [structures] [shape]}, defaults {@code 117 512x512x300}.
 */
public final class FusionScaleBenchmark {

    private static final long SEED = 7;
    private static final double MIB = 1024 * 1024;

    private FusionScaleBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int structures = args.length > 0 ? Integer.parseInt(args[0]) : 117;
        int[] shape = ScaleBenchmark.parseShape(args.length > 1 ? args[1] : "512x512x300");
        Path work = Files.createTempDirectory("triplane-fusion-bench");
        long start = System.nanoTime();
        ClinicalPhantom phantom = ClinicalPhantom.generate(shape[0], shape[1], shape[2], structures, SEED);
        Grid grid = phantom.grid();
        int[] labels = new int[grid.voxelCount()];
        IntStream.range(0, labels.length).parallel().forEach(v -> labels[v] = phantom.label(v));
        Reorientation toRas = Reorientation.toRas(grid);
        LabelVolume ras = toRas.forward(new LabelVolume(grid, labels));
        int[] ids = IntStream.rangeClosed(1, structures).toArray();
        System.out.printf("phantom %dx%dx%d, %d structures, LPS %.1f x %.1f x %.1f mm: %.1f s%n", shape[0],
                shape[1], shape[2], structures, grid.spacing()[0], grid.spacing()[1], grid.spacing()[2],
                seconds(start));

        Map<Axis, Path> stored = new EnumMap<>(Axis.class);
        long total = 0;
        for (Axis axis : Axis.values()) {
            long t0 = System.nanoTime();
            Path file = work.resolve(axis.id() + ".bin");
            try (LogitVolume logits = SyntheticLogits.fromLabels(ras, ids, axis, work)) {
                LogitVolumeCodec.write(logits, LogitVolumeCodec.Encoding.FLOAT16, file);
            }
            long bytes = Files.size(file);
            total += bytes;
            stored.put(axis, file);
            System.out.printf("  %-8s logits %8.1f MiB = %.3f bytes/voxel (made and stored in %.1f s)%n", axis.id(),
                    bytes / MIB, (double) bytes / grid.voxelCount(), seconds(t0));
        }
        System.out.printf("stored logits, three axes: %.1f MiB = %.3f bytes/voxel for all %d structures%n",
                total / MIB, (double) total / grid.voxelCount(), structures);

        System.gc();
        long heapBefore = heapUsed();
        heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
        long t0 = System.nanoTime();
        Map<Axis, AxisLogits> logits = new EnumMap<>(Axis.class);
        for (Map.Entry<Axis, Path> e : stored.entrySet()) {
            logits.put(e.getKey(), LogitVolumeCodec.open(e.getValue(), e.getKey().id(), ras.grid(), 0));
        }
        TriAxisFusion fusion = new TriAxisFusion(toRas, FusionRule.MEAN_LOGIT);
        for (int id : ids) {
            fusion.add(id, logits);
        }
        long fused = System.nanoTime();
        NiftiHeader header = NiftiHeader.forGrid(grid);
        LabelVolume fusedLabels = fusion.labels();
        try (OutputStream out = Files.newOutputStream(work.resolve("segmentation.nii.gz"))) {
            NiftiWriter.write(out, "segmentation", fusedLabels, header, true);
        }
        try (OutputStream out = Files.newOutputStream(work.resolve("uncertainty.nii.gz"))) {
            NiftiWriter.write(out, "uncertainty", fusion.uncertainty(), header, true);
        }
        logits.values().forEach(AxisLogits::close);
        long peak = heapPools().stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        int[] out = fusedLabels.labels();
        long agree = IntStream.range(0, out.length).parallel().filter(v -> out[v] == labels[v]).count();
        System.out.printf("fusion of %d structures: %.1f s (fusing %.1f s, writing both NIfTI %.1f s); heap %.0f MiB "
                        + "before, peak pools %.0f MiB during; labels equal to the phantom's on %.2f%% of voxels%n",
                structures, seconds(t0), (fused - t0) / 1e9, (System.nanoTime() - fused) / 1e9, heapBefore / MIB,
                peak / MIB, 100.0 * agree / out.length);
        try (var files = Files.list(work)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
        Files.delete(work);
    }

    private static java.util.List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .toList();
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
