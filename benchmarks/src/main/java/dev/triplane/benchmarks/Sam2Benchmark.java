package dev.triplane.benchmarks;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.sam2.FramePreprocessor;
import dev.triplane.core.sam2.FramePrompt;
import dev.triplane.core.sam2.FrameSource;
import dev.triplane.core.sam2.Sam2Model;
import dev.triplane.core.sam2.Sam2Options;
import dev.triplane.core.sam2.StructurePrompts;
import dev.triplane.core.sam2.VideoPropagator;
import dev.triplane.core.volume.ImageVolume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Java SAM2 engine against the official PyTorch {@code SAM2VideoPredictor} ({@code tools/bench/sam2_reference.py}
 * in a child process), in one run, on the same frames, prompts, weights and thread count.
 *
 * <p>Frames: the axial slices of {@code samples/example_ct_sm.nii.gz} reflected back and forth to the requested
 * length; each structure is prompted with one click on frame 0, so every other frame is tracked. Two parts:
 * <ol>
 *   <li>memory over a long sequence on the micro model ({@code models/sam2-micro}): process RSS (and the Java
 *       live heap after a GC) at 1/6, 1/3, 2/3 and all of the frames, to show it flat in sequence length;
 *   <li>timing on the real SAM2.1 tiny architecture (1024 px) with random weights, exported once to a
 *       git-ignored folder by {@code sam2_reference.py prepare}: ms per frame of PyTorch and of Java, Java split
 *       into the four ONNX Runtime graphs (tensor copies included) and the Java-side work (the rest), and peak
 *       memory (Java: heap and VmHWM; Python: ru_maxrss), both processes measured from model load on.
 * </ol>
 * Both sides run a short warm-up first. Arguments: {@code [timingFrames] [memoryFrames] [structures] [threads]
 * [tinyDir]}, defaults {@code 8 300 2 <cores> models/local/sam2.1-tiny-random}; 0 frames skips that part. Run
 * from the repository root through {@code benchmarks/run sam2}.
 */
public final class Sam2Benchmark {

    private static final PythonScript REFERENCE = PythonScript.of("tools/bench/sam2_reference.py");
    private static final Path MICRO = Path.of("models", "sam2-micro");
    private static final int WARMUP_FRAMES = 2;
    private static final String[] GRAPHS = {"encoder", "mem-attn", "heads", "mem-enc"};

    private Sam2Benchmark() {
    }

    /** One Java propagation's measurements; frame 0's time includes the prompts. */
    private record JavaRun(int imageSize, double[] frameMs, long[][] frameGraphNanos, double heapPeakMiB,
            double hwmMiB, List<double[]> checkpoints, long encoderRuns) {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int timingFrames = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int memoryFrames = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int structures = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        Path tiny = Path.of(args.length > 4 ? args[4] : "models/local/sam2.1-tiny-random");
        ImageVolume ct = new NiftiReader(ReadLimits.defaults()).read(Path.of("samples", "example_ct_sm.nii.gz"))
                .toImageVolume();
        AxisFrames axial = new AxisFrames(ct.grid(), Axis.AXIAL);
        List<StructurePrompts> prompts = new ArrayList<>();
        for (int i = 0; i < structures; i++) {
            prompts.add(new StructurePrompts(i + 1, List.of(FramePrompt.points(0,
                    new float[] {axial.frameWidth() / 2f + 3 * i, axial.frameHeight() / 2f}, new int[] {1}))));
        }
        System.out.printf(Locale.ROOT, "SAM2 engine vs official SAM2VideoPredictor: %d CPU cores, %d threads on both "
                + "sides, %d structures (one click each on frame 0), frames = the %d axial %dx%d slices of "
                + "samples/example_ct_sm.nii.gz reflected back and forth%n", Runtime.getRuntime().availableProcessors(),
                threads, structures, axial.frameCount(), axial.frameWidth(), axial.frameHeight());
        if (memoryFrames > 0) {
            memory(memoryFrames, threads, prompts, ct, axial);
        }
        if (timingFrames > 0) {
            if (!Files.exists(tiny.resolve("manifest.json"))) {
                System.out.println("exporting SAM2.1 tiny with random weights to " + tiny + " (once; minutes) ...");
                REFERENCE.run("prepare", tiny.toString());
            }
            timing(tiny, timingFrames, threads, prompts, ct, axial);
        }
    }

    private static void memory(int frames, int threads, List<StructurePrompts> prompts, ImageVolume ct,
            AxisFrames axial) throws IOException, InterruptedException {
        int[] marks = {frames / 6, frames / 3, 2 * frames / 3, frames};
        JsonNode py = reference(MICRO, frames, prompts.size(), threads, marks);
        JavaRun java = runJava(MICRO, video(ct, axial, frames), prompts, threads, marks);
        System.out.printf(Locale.ROOT, "%n[memory] micro model (%s), %d frames%n", MICRO, frames);
        System.out.printf(Locale.ROOT, "%8s %14s %16s %16s %14s %14s%n", "frame", "Java RSS MiB", "Java live heap",
                "Java heap size", "Java held mem", "PyTorch RSS");
        for (double[] c : java.checkpoints()) {
            System.out.printf(Locale.ROOT, "%8d %14.0f %12.1f MiB %12.0f MiB %14.0f %10.0f MiB%n", (int) c[0], c[1],
                    c[2], c[3], c[4], py.get("rss_mib").get(Integer.toString((int) c[0])).asDouble());
        }
        System.out.printf(Locale.ROOT, "peak: Java VmHWM %.0f MiB (heap peak %.0f MiB), PyTorch ru_maxrss %.0f MiB; "
                + "ms/frame: Java %.2f, PyTorch %.2f%n", java.hwmMiB(), java.heapPeakMiB(),
                py.get("peak_rss_mib").asDouble(), mean(java.frameMs(), 0), mean(pythonMs(py), 0));
        System.out.printf(Locale.ROOT, "Java held mem = most non-conditioning memory frames one structure held at "
                + "once (the 6 behind the current frame + the 6 the reverse pass starts from); live heap (after a GC) "
                + "includes the result logit volumes (allocated whole at the start); heap size = committed heap; "
                + "PyTorch holds every preprocessed frame from the start and every frame's outputs%n");
    }

    private static void timing(Path tiny, int frames, int threads, List<StructurePrompts> prompts, ImageVolume ct,
            AxisFrames axial) throws IOException, InterruptedException {
        JsonNode py = reference(tiny, frames, prompts.size(), threads, new int[0]);
        JavaRun java = runJava(tiny, video(ct, axial, frames), prompts, threads, new int[0]);
        double[] pyMs = pythonMs(py);
        System.out.printf(Locale.ROOT, "%n[timing] %s: SAM2.1 tiny architecture, random weights, %d px, %d frames; "
                + "PyTorch %s, %d threads%n", tiny, java.imageSize(), frames, py.get("torch").asString(),
                py.get("threads").asInt());
        System.out.printf(Locale.ROOT, "%8s %10s %10s %9s %9s %9s %9s %10s%n", "frame", "PyTorch", "Java",
                GRAPHS[0], GRAPHS[1], GRAPHS[2], GRAPHS[3], "Java-side");
        for (int t = 0; t < frames; t++) {
            row(Integer.toString(t), pyMs[t], java.frameMs()[t], java.frameGraphNanos()[t]);
        }
        long[] tracked = new long[GRAPHS.length];
        long[] all = new long[GRAPHS.length];
        for (int t = 0; t < frames; t++) {
            for (int g = 0; g < GRAPHS.length; g++) {
                all[g] += java.frameGraphNanos()[t][g];
                tracked[g] += t > 0 ? java.frameGraphNanos()[t][g] : 0;
            }
        }
        System.out.println("ms per frame:");
        row("mean", mean(pyMs, 0), mean(java.frameMs(), 0), perFrame(all, frames));
        if (frames > 1) {
            row("mean 1..", mean(pyMs, 1), mean(java.frameMs(), 1), perFrame(tracked, frames - 1));
        }
        long graphs = 0;
        for (long ns : all) {
            graphs += ns;
        }
        double javaMs = sum(java.frameMs(), 0);
        double javaSide = javaMs - graphs / 1e6;
        double[] pyParts = new double[GRAPHS.length];
        for (JsonNode frame : py.get("part_ms")) {
            for (int g = 0; g < GRAPHS.length; g++) {
                pyParts[g] += frame.get(g).asDouble();
            }
        }
        double pyRest = sum(pyMs, 0) - sum(pyParts, 0);
        System.out.printf(Locale.ROOT, "%nby part, ms per frame over all %d frames:%n%-10s %10s %10s %14s%n", frames,
                "part", "PyTorch", "Java", "Java/PyTorch");
        for (int g = 0; g < GRAPHS.length; g++) {
            part(GRAPHS[g], pyParts[g] / frames, all[g] / 1e6 / frames);
        }
        part("rest", pyRest / frames, javaSide / frames);
        part("total", sum(pyMs, 0) / frames, javaMs / frames);
        System.out.printf(Locale.ROOT, "(PyTorch parts: forward_image, memory_attention, _forward_sam_heads, "
                + "_encode_new_memory; rest = prompts, memory assembly, output resizing, Python)%n");
        System.out.printf(Locale.ROOT, "%nJava / PyTorch time: %.2f (frames 1..: %.2f); Java-side work / ONNX Runtime "
                + "time: %.2f%% (target <= 5%%)%n", javaMs / sum(pyMs, 0), mean(java.frameMs(), 1) / mean(pyMs, 1),
                100 * javaSide / (graphs / 1e6));
        System.out.printf(Locale.ROOT, "peak memory: Java heap %.0f MiB, Java VmHWM %.0f MiB; PyTorch ru_maxrss %.0f "
                + "MiB%n", java.heapPeakMiB(), java.hwmMiB(), py.get("peak_rss_mib").asDouble());
        System.out.printf(Locale.ROOT, "image-encoder runs: %d for %d frames (%d structures); ONNX Runtime graph "
                + "times include the tensor copies in and out%n", java.encoderRuns(), frames, prompts.size());
    }

    private static void row(String label, double pyMs, double javaMs, double[] graphMs) {
        double graphs = 0;
        for (double ms : graphMs) {
            graphs += ms;
        }
        System.out.printf(Locale.ROOT, "%8s %10.1f %10.1f %9.1f %9.1f %9.1f %9.1f %10.1f%n", label, pyMs, javaMs,
                graphMs[0], graphMs[1], graphMs[2], graphMs[3], javaMs - graphs);
    }

    private static void part(String label, double pyMs, double javaMs) {
        System.out.printf(Locale.ROOT, "%-10s %10.1f %10.1f %14.2f%n", label, pyMs, javaMs, javaMs / pyMs);
    }

    private static void row(String label, double pyMs, double javaMs, long[] graphNanos) {
        double[] ms = new double[graphNanos.length];
        for (int g = 0; g < ms.length; g++) {
            ms[g] = graphNanos[g] / 1e6;
        }
        row(label, pyMs, javaMs, ms);
    }

    private static double[] perFrame(long[] nanos, int frames) {
        double[] ms = new double[nanos.length];
        for (int g = 0; g < ms.length; g++) {
            ms[g] = nanos[g] / 1e6 / frames;
        }
        return ms;
    }

    private static JsonNode reference(Path model, int frames, int structures, int threads, int[] marks)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("run", model.toString(), Integer.toString(frames),
                Integer.toString(structures), Integer.toString(threads), Integer.toString(WARMUP_FRAMES)));
        for (int m : marks) {
            args.add(Integer.toString(m));
        }
        return JsonMapper.builder().build().readTree(REFERENCE.output(args.toArray(String[]::new)));
    }

    private static double[] pythonMs(JsonNode py) {
        JsonNode ms = py.get("ms");
        double[] out = new double[ms.size()];
        for (int t = 0; t < out.length; t++) {
            out[t] = ms.get(t).asDouble();
        }
        return out;
    }

    /**
     * Loads {@code modelDir}, warms up on {@link #WARMUP_FRAMES} frames, then propagates {@code video}; peaks
     * are from the model load on (VmHWM reset first), live heap after a GC at each of {@code marks}.
     */
    private static JavaRun runJava(Path modelDir, FrameSource video, List<StructurePrompts> prompts, int threads,
            int[] marks) throws IOException {
        resetPeaks();
        try (Sam2Model model = Sam2Model.load(modelDir, Sam2Options.cpu(threads))) {
            int size = model.config().imageSize();
            VideoPropagator propagator = new VideoPropagator(model, MemoryPolicy.parse("baseline"), false);
            propagator.propagate(prefix(video, WARMUP_FRAMES), new FramePreprocessor(size), prompts, null);
            int frames = video.count();
            int last = prompts.size() - 1;
            double[] frameMs = new double[frames];
            long[][] frameGraphs = new long[frames][];
            List<double[]> checkpoints = new ArrayList<>();
            long encoderRuns = model.imageEncoder().runs();
            long[] previousGraphs = model.graphNanos();
            long[] previous = {System.nanoTime()};
            propagator.propagate(video, new FramePreprocessor(size), prompts, (reverse, t, structure, out, cond) -> {
                if (reverse || structure != last) {
                    return;
                }
                long now = System.nanoTime();
                long[] graphs = model.graphNanos();
                frameMs[t] = (now - previous[0]) / 1e6;
                frameGraphs[t] = new long[graphs.length];
                for (int g = 0; g < graphs.length; g++) {
                    frameGraphs[t][g] = graphs[g] - previousGraphs[g];
                }
                System.arraycopy(graphs, 0, previousGraphs, 0, graphs.length);
                for (int m : marks) {
                    if (m == t + 1) {
                        System.gc();
                        Runtime rt = Runtime.getRuntime();
                        checkpoints.add(new double[] {t + 1, procStatusMiB("VmRSS"),
                                (rt.totalMemory() - rt.freeMemory()) / 1048576.0, rt.totalMemory() / 1048576.0,
                                propagator.maxHeldFeatures()});
                    }
                }
                previous[0] = System.nanoTime();
            });
            return new JavaRun(size, frameMs, frameGraphs, heapPeakMiB(), procStatusMiB("VmHWM"), checkpoints,
                    model.imageEncoder().runs() - encoderRuns);
        }
    }

    private static FrameSource video(ImageVolume ct, AxisFrames axial, int frames) {
        return new FrameSource() {
            public int width() {
                return axial.frameWidth();
            }

            public int height() {
                return axial.frameHeight();
            }

            public int count() {
                return frames;
            }

            public void copyFrame(int t, float[] out) {
                axial.copyFrame(ct.voxels(), reflected(t, axial.frameCount()), out);
            }
        };
    }

    /** Frame t of a video going back and forth over {@code count} slices (as sam2_reference.py's). */
    static int reflected(int t, int count) {
        int period = 2 * (count - 1);
        int r = period > 0 ? t % period : 0;
        return r < count ? r : period - r;
    }

    private static FrameSource prefix(FrameSource video, int count) {
        return new FrameSource() {
            public int width() {
                return video.width();
            }

            public int height() {
                return video.height();
            }

            public int count() {
                return Math.min(count, video.count());
            }

            public void copyFrame(int t, float[] out) {
                video.copyFrame(t, out);
            }
        };
    }

    private static double mean(double[] values, int from) {
        return values.length > from ? sum(values, from) / (values.length - from) : Double.NaN;
    }

    private static double sum(double[] values, int from) {
        double s = 0;
        for (int i = from; i < values.length; i++) {
            s += values[i];
        }
        return s;
    }

    /** Resets the heap pools' peaks and the process's VmHWM ("5" to /proc/self/clear_refs, Linux). */
    private static void resetPeaks() throws IOException {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    }

    /** Sum of the heap pools' peak use (an upper bound of the peak heap use). */
    private static double heapPeakMiB() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                bytes += pool.getPeakUsage().getUsed();
            }
        }
        return bytes / 1048576.0;
    }

    /** A {@code kB} field of /proc/self/status (VmRSS, VmHWM) in MiB; native ONNX Runtime memory included. */
    private static double procStatusMiB(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException(field + " missing from /proc/self/status");
    }
}
