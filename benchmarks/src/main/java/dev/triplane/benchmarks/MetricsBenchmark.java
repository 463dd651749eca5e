package dev.triplane.benchmarks;

import dev.triplane.core.metrics.Hd95Profile;
import dev.triplane.core.metrics.MetricOptions;
import dev.triplane.core.metrics.SegmentationMetrics;
import dev.triplane.core.metrics.StructureMetrics;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.BinaryMask;
import dev.triplane.core.volume.LabelVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prints, on the same input in one run, TriPlane's surface metrics against SimpleITK's
 * HausdorffDistanceImageFilter and scipy's EDT, and TriPlane's NIfTI.gz reader against nibabel, as ratios.
 *
 * <p>Input: a 512x512x300 mask pair with 0.8 x 0.8 x 2.5 mm voxels and an int16 CT-like volume on the same
 * grid, made once by {@code tools/bench/metrics_reference.py make}. Arguments: {@code [inputDir] [repeats]};
 * environment {@code TRIPLANE_PYTHON} names the interpreter with the pinned tools (default
 * {@code tools/.venv/bin/python}). Run from the repository root through {@code benchmarks/run}.
 */
public final class MetricsBenchmark {

    private static final PythonScript REFERENCE = PythonScript.of("tools/bench/metrics_reference.py");

    private MetricsBenchmark() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = Path.of(args.length > 0 ? args[0] : "benchmarks/target/inputs");
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path ct = dir.resolve("ct.nii.gz");
        Path pred = dir.resolve("pred.nii.gz");
        Path ref = dir.resolve("ref.nii.gz");
        if (!Files.exists(ct) || !Files.exists(pred) || !Files.exists(ref)) {
            Files.createDirectories(dir);
            System.out.println("making the inputs in " + dir + " ...");
            REFERENCE.output("make", dir.toString());
        }

        NiftiReader reader = new NiftiReader(ReadLimits.defaults());
        Timed<NiftiImage> read = median(repeats, () -> reader.read(ct));
        LabelVolume predLabels = reader.read(pred).toLabelVolume();
        LabelVolume refLabels = reader.read(ref).toLabelVolume();
        BinaryMask predMask = predLabels.mask(1);
        BinaryMask refMask = refLabels.mask(1);
        MetricOptions options = new MetricOptions(Hd95Profile.MONAI, 1.0);
        SegmentationMetrics.compare(predMask, refMask, options); // JIT warm-up
        Timed<StructureMetrics> metrics = median(repeats, () -> SegmentationMetrics.compare(predMask, refMask, options));

        JsonNode reference = JsonMapper.builder().build().readTree(
                REFERENCE.output("time", ct.toString(), pred.toString(), ref.toString(), String.valueOf(repeats)));
        JsonNode sitk = reference.get("simpleitk");
        JsonNode scipy = reference.get("scipy");
        double nibabel = reference.get("nibabel_read_ct_s").asDouble();

        StructureMetrics m = metrics.value();
        System.out.printf(Locale.ROOT, "%nInput: %s, mask pair %d / %d voxels, %d cores, median of %d runs%n",
                refLabels.grid(), m.predVoxels(), m.refVoxels(), Runtime.getRuntime().availableProcessors(), repeats);
        String row = "%-40s %10s %10s %10.3f %16s%n";
        System.out.printf(Locale.ROOT, "%-40s %10s %10s %10s %16s%n", "surface distances", "HD mm", "HD95 mm",
                "seconds", "time vs TriPlane");
        System.out.printf(Locale.ROOT, row, "TriPlane (Dice, IoU, HD, HD95, ASSD, NSD)", mm(m.hd()), mm(m.hd95()),
                metrics.seconds(), "1.00x");
        System.out.printf(Locale.ROOT, row, "SimpleITK HausdorffDistanceImageFilter", mm(sitk.get("hd").asDouble()),
                "-", sitk.get("seconds").asDouble(), ratio(sitk.get("seconds").asDouble(), metrics.seconds()));
        System.out.printf(Locale.ROOT, row, "scipy distance_transform_edt (HD, HD95)", mm(scipy.get("hd").asDouble()),
                mm(scipy.get("hd95_monai").asDouble()), scipy.get("seconds").asDouble(),
                ratio(scipy.get("seconds").asDouble(), metrics.seconds()));
        System.out.printf(Locale.ROOT, "HD identical to SimpleITK: %s; HD and HD95 identical to scipy: %s%n",
                m.hd() == sitk.get("hd").asDouble(),
                m.hd() == scipy.get("hd").asDouble() && m.hd95() == scipy.get("hd95_monai").asDouble());
        System.out.printf(Locale.ROOT, "%n%-40s %10s %10s %10.3f %16s%n", "NIfTI.gz read, int16 CT ("
                + Files.size(ct) / (1 << 20) + " MiB)", "", "", read.seconds(), "1.00x");
        System.out.printf(Locale.ROOT, "%-40s %10s %10s %10.3f %16s%n", "nibabel (np.asarray(img.dataobj))", "", "",
                nibabel, ratio(nibabel, read.seconds()));
    }

    private record Timed<T>(T value, double seconds) {
    }

    private static <T> Timed<T> median(int repeats, Supplier<T> task) {
        double[] seconds = new double[repeats];
        T value = null;
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            value = task.get();
            seconds[r] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(seconds);
        return new Timed<>(value, seconds[repeats / 2]);
    }

    private static String mm(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    private static String ratio(double toolSeconds, double ourSeconds) {
        return String.format(Locale.ROOT, "%.2fx", toolSeconds / ourSeconds);
    }
}
