package dev.triplane.benchmarks;

import dev.triplane.core.dicom.DicomSeries;
import dev.triplane.core.dicom.DicomSeriesReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.ImageVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Series read time of {@link DicomSeriesReader} against pydicom and dcm2niix on the same synthetic CT series
 * (written by {@code tools/dicom/bench.py}, which also times the reference tools): parse every file, sort and
 * check the slices, then the float32 HU volume. Best of the repeats for each, the JVM warmed by one read first.
 * Arguments: {@code [shape] [repeats] [dir]}, defaults {@code 512x512x300 3} and a temporary folder.
 */
public final class DicomReadBenchmark {

    private DicomReadBenchmark() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        String shape = args.length > 0 ? args[0] : "512x512x300";
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = args.length > 2 ? Path.of(args[2])
                : Files.createTempDirectory("triplane-dicom-bench").resolve("series");
        JsonNode reference = JsonMapper.builder().build().readTree(
                PythonScript.of("tools/dicom/bench.py").output(dir.toString(), shape, Integer.toString(repeats)));

        DicomSeriesReader reader = new DicomSeriesReader(ReadLimits.defaults());
        reader.read(dir).toImageVolume();
        double best = Double.MAX_VALUE;
        ImageVolume volume = null;
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            DicomSeries series = reader.read(dir);
            volume = series.toImageVolume();
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        System.out.printf("series %s (%d files, %s) best of %d:%n", shape, volume.grid().nz(), dir, repeats);
        System.out.printf("  TriPlane DicomSeriesReader + toImageVolume  %6.2f s%n", best);
        System.out.printf("  pydicom %s dcmread + sort + float32       %6.2f s%n", reference.get("pydicom").asString(),
                reference.get("pydicom_s").asDouble());
        System.out.printf("  dcm2niix (process, uncompressed NIfTI)      %6.2f s%n",
                reference.get("dcm2niix_s").asDouble());
    }
}
