package dev.triplane.benchmarks;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.sam2.FramePreprocessor;
import dev.triplane.core.sam2.FramePrompt;
import dev.triplane.core.sam2.FrameSource;
import dev.triplane.core.sam2.Sam2Config;
import dev.triplane.core.sam2.Sam2Model;
import dev.triplane.core.sam2.Sam2Options;
import dev.triplane.core.sam2.StructurePrompts;
import dev.triplane.core.sam2.VideoPropagator;
import dev.triplane.core.volume.ImageVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times the Java SAM2 engine over a long pseudo-video: per frame, the four graphs (image encoder, memory
 * attention, SAM heads, memory encoder; ONNX Runtime calls with their tensor copies) and the Java-side work
 * (everything else), and the process's resident memory at checkpoints, to show it flat in sequence length.
 *
 * <p>Frames: the axial slices of {@code samples/example_ct_sm.nii.gz} repeated; each structure is prompted
 * with one click on frame 0, so the forward pass tracks every other frame and the reverse pass has nothing
 * left to do (image-encoder runs = frames). Arguments: {@code [modelDir] [frames] [structures] [threads]}
 * (defaults {@code models/sam2-micro 300 2 0}; 0 threads = ONNX Runtime's default). Run from the repository
 * root: {@code java -Dloader.main=dev.triplane.benchmarks.Sam2Benchmark -cp
 * benchmarks/target/triplane-benchmarks.jar org.springframework.boot.loader.launch.PropertiesLauncher}.
 */
public final class Sam2Benchmark {

    private Sam2Benchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path modelDir = Path.of(args.length > 0 ? args[0] : "models/sam2-micro");
        int frames = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int structures = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        ImageVolume ct = new NiftiReader(ReadLimits.defaults()).read(Path.of("samples", "example_ct_sm.nii.gz"))
                .toImageVolume();
        AxisFrames axial = new AxisFrames(ct.grid(), Axis.AXIAL);
        int w = axial.frameWidth();
        int h = axial.frameHeight();
        FrameSource video = new FrameSource() {
            public int width() {
                return w;
            }

            public int height() {
                return h;
            }

            public int count() {
                return frames;
            }

            public void copyFrame(int t, float[] out) {
                axial.copyFrame(ct.voxels(), t % axial.frameCount(), out);
            }
        };
        List<StructurePrompts> prompts = new ArrayList<>();
        for (int i = 0; i < structures; i++) {
            prompts.add(new StructurePrompts(i + 1, List.of(FramePrompt.points(0,
                    new float[] {w / 2f + 3 * i, h / 2f}, new int[] {1}))));
        }
        try (Sam2Model model = Sam2Model.load(modelDir, new Sam2Options(false, 0, threads, threads > 0 ? 1 : 0))) {
            Sam2Config config = model.config();
            System.out.printf(Locale.ROOT, "model %s (S=%d, C=%d), %d frames %dx%d, %d structures, %d CPU cores%n",
                    config.model(), config.imageSize(), config.hiddenDim(), frames, w, h, structures,
                    Runtime.getRuntime().availableProcessors());
            VideoPropagator propagator = new VideoPropagator(model, MemoryPolicy.parse("baseline"), false);
            // warm-up on a few frames so graph initialisation is not timed
            propagator.propagate(shorter(video, 3), new FramePreprocessor(config.imageSize()), prompts, null);
            long[] before = model.graphNanos();
            long encoderRuns = model.imageEncoder().runs();
            List<String> rss = new ArrayList<>();
            long start = System.nanoTime();
            propagator.propagate(video, new FramePreprocessor(config.imageSize()), prompts,
                    (reverse, frame, structure, out, cond) -> {
                        if (structure == 0 && !reverse && (frame + 1) % Math.max(1, frames / 6) == 0) {
                            rss.add(String.format(Locale.ROOT, "%d:%.0f", frame + 1, rssMiB()));
                        }
                    });
            long total = System.nanoTime() - start;
            long[] after = model.graphNanos();
            String[] names = {"image encoder", "memory attention", "SAM heads", "memory encoder"};
            long graphs = 0;
            System.out.printf(Locale.ROOT, "%-18s %10s %8s%n", "part", "ms/frame", "share");
            for (int g = 0; g < names.length; g++) {
                long ns = after[g] - before[g];
                graphs += ns;
                print(names[g], ns, frames, total);
            }
            print("Java-side", total - graphs, frames, total);
            print("total", total, frames, total);
            System.out.printf(Locale.ROOT, "Java-side / ONNX Runtime time: %.1f%%%n", 100.0 * (total - graphs) / graphs);
            System.out.printf(Locale.ROOT, "image-encoder runs: %d for %d frames%n",
                    model.imageEncoder().runs() - encoderRuns, frames);
            System.out.printf(Locale.ROOT, "memory held per structure: %d features, %d pointers (max)%n",
                    propagator.maxHeldFeatures(), propagator.maxHeldPointers());
            System.out.println("resident MiB at frame: " + String.join("  ", rss));
        }
    }

    private static FrameSource shorter(FrameSource video, int count) {
        return new FrameSource() {
            public int width() {
                return video.width();
            }

            public int height() {
                return video.height();
            }

            public int count() {
                return count;
            }

            public void copyFrame(int t, float[] out) {
                video.copyFrame(t, out);
            }
        };
    }

    private static void print(String part, long nanos, int frames, long total) {
        System.out.printf(Locale.ROOT, "%-18s %10.2f %7.1f%%%n", part, nanos / 1e6 / frames, 100.0 * nanos / total);
    }

    /** VmRSS of this process (Linux), native ONNX Runtime memory included. */
    private static double rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
