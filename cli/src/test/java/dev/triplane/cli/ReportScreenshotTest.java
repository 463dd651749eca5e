package dev.triplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.triplane.core.evaluation.CaseVolumes;
import dev.triplane.core.evaluation.Dataset;
import dev.triplane.core.evaluation.HtmlReport;
import dev.triplane.core.evaluation.ResultStore;
import dev.triplane.core.evaluation.RunKey;
import dev.triplane.core.evaluation.RunReport;
import dev.triplane.core.evaluation.RunTiming;
import dev.triplane.core.evaluation.SliceOverlays;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.labels.StructureGroups;
import dev.triplane.core.metrics.Hd95Profile;
import dev.triplane.core.metrics.StructureMetrics;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ablation report opened in a real headless Chromium ({@code tools/chromium/ensure.sh} finds or fetches one;
 * when it cannot, the test fails with its message: CI reaches the Debian mirrors). The report uses the sample CT's
 * overlays; the proof that they are on screen is colour arithmetic: every reference-contour pixel of the overlay
 * PNGs ({@link SliceOverlays#REFERENCE_RGB}, a colour nothing else on the page but one legend glyph uses) is found
 * in the screenshot, and the same page whose image files are gone loses exactly those pixels, while its box plots
 * (their fill colour) stay. The screenshots are kept under {@code target/report-screenshot/} for a look.
 */
class ReportScreenshotTest {

    private static final Path ENSURE = Path.of("..", "tools", "chromium", "ensure.sh");
    private static final Path OUT = Path.of("target", "report-screenshot");
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 2000;
    /** The fill of a box in {@code BoxPlotSvg}. */
    private static final int BOX_FILL_RGB = 0x9ecae1;
    private static final LabelTable V2 = LabelTable.totalSegmentatorV2();

    private static String chromium;

    @BeforeAll
    static void chromium() throws IOException, InterruptedException {
        // Downloads about 95 MB on a machine without Chromium; later runs reuse tools/.chromium.
        Result r = exec(List.of(ENSURE.toAbsolutePath().normalize().toString()), 600);
        if (r.exitCode != 0 || r.stdout.isBlank()) {
            fail("tools/chromium/ensure.sh failed (exit " + r.exitCode + "), so the report cannot be opened in "
                    + "Chromium:\n" + r.stderr);
        }
        chromium = r.stdout.strip();
        System.out.println(r.stderr.strip().lines().reduce((first, last) -> last).orElse(chromium));
    }

    @Test
    void reportRendersItsOverlayImagesAndBoxPlots() throws IOException, InterruptedException {
        deleteTree(OUT);
        List<Path> pngs = new ArrayList<>();
        Path intact = report(OUT.resolve("report"), pngs);
        Path broken = report(OUT.resolve("broken"), new ArrayList<>());
        deleteTree(broken.resolveSibling("overlays"));

        BufferedImage shot = screenshot(intact, OUT.resolve("report.png"));
        BufferedImage without = screenshot(broken, OUT.resolve("broken.png"));

        long overlayContour = 0;
        for (Path png : pngs) {
            long n = count(ImageIO.read(png.toFile()), SliceOverlays.REFERENCE_RGB);
            assertThat(n).as("reference contour pixels of %s", png).isPositive();
            overlayContour += n;
        }
        long shown = count(shot, SliceOverlays.REFERENCE_RGB);
        long shownWithout = count(without, SliceOverlays.REFERENCE_RGB);
        assertThat(shown - shownWithout).as("overlay contour pixels on screen (all %d overlays in view)", pngs.size())
                .isEqualTo(overlayContour);
        long boxes = count(shot, BOX_FILL_RGB);
        // two plots x two presets, each box at least a few hundred pixels; inline SVG needs no file
        assertThat(boxes).as("box plot fill pixels").isGreaterThan(4 * 200);
        assertThat(count(without, BOX_FILL_RGB)).isEqualTo(boxes);
    }

    /**
     * A report of two presets on two cases with the overlays of the sample CT (liver and spleen as reference, the
     * same shifted by two voxels as prediction), one overlay per axis.
     *
     * @param overlays receives the overlay files
     * @return report.html
     */
    private static Path report(Path folder, List<Path> overlays) throws IOException {
        int[] ids = StructureGroups.expand("liver,spleen", V2);
        Dataset samples = Dataset.open(Path.of("..", "samples"), V2);
        CaseVolumes example = samples.load(samples.cases().get(0), ids);
        overlays.addAll(SliceOverlays.write(folder.resolve("overlays"), "example", example.image(),
                shifted(example.reference(), 2), example.reference(), 1, SliceOverlays.Window.SOFT_TISSUE));

        ResultStore store = ResultStore.open(folder);
        double[][] dice = {{0.52, 0.61, 0.47, 0.70}, {0.78, 0.86, 0.74, 0.90}};
        String[] presets = {"np", "baseline"};
        for (int p = 0; p < presets.length; p++) {
            for (int c = 0; c < 2; c++) {
                RunKey key = new RunKey("case" + c, presets[p], "axial");
                store.append(new RunTiming(key, 2.0 + p, 0.5), List.of(
                        metrics(5, "liver", dice[p][2 * c], 12 - 6 * dice[p][2 * c]),
                        metrics(1, "spleen", dice[p][2 * c + 1], 9 - 5 * dice[p][2 * c + 1])));
            }
        }
        RunReport.write(folder, "sample report", store, Map.of("organs", ids), overlays);
        return folder.resolve(HtmlReport.FILE);
    }

    private static StructureMetrics metrics(int id, String name, double dice, double hd95) {
        return new StructureMetrics(id, name, 1000, 1000, dice, dice / (2 - dice), hd95 * 1.5, hd95, hd95 / 4,
                dice, Hd95Profile.MONAI, null);
    }

    /** The labels moved {@code dx} voxels along the first grid axis (voxels shifted out are dropped). */
    private static LabelVolume shifted(LabelVolume labels, int dx) {
        Grid g = labels.grid();
        int[] shape = g.shape();
        int[] out = new int[labels.labels().length];
        for (int z = 0; z < shape[2]; z++) {
            for (int y = 0; y < shape[1]; y++) {
                for (int x = dx; x < shape[0]; x++) {
                    out[g.index(x, y, z)] = labels.labels()[g.index(x - dx, y, z)];
                }
            }
        }
        return new LabelVolume(g, out);
    }

    private static BufferedImage screenshot(Path page, Path png) throws IOException, InterruptedException {
        // --no-sandbox: CI runs as root, where Chromium refuses its sandbox; the page is our own local file.
        Result r = exec(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--force-device-scale-factor=1", "--force-color-profile=srgb",
                "--screenshot=" + png.toAbsolutePath(), "--window-size=" + WIDTH + "," + HEIGHT,
                page.toAbsolutePath().toUri().toString()), 120);
        assertThat(png).as("screenshot written by %s (exit %d):%n%s", chromium, r.exitCode, r.stderr).isRegularFile();
        System.out.println("report screenshot: " + png.toAbsolutePath());
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("decodable PNG %s", png).isNotNull();
        assertThat(image.getWidth()).isEqualTo(WIDTH);
        assertThat(image.getHeight()).isEqualTo(HEIGHT);
        return image;
    }

    private static long count(BufferedImage image, int rgb) {
        int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        long n = 0;
        for (int p : pixels) {
            if ((p & 0xFFFFFF) == rgb) {
                n++;
            }
        }
        return n;
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs a command with stdout and stderr in files (no pipe to fill), killing it after {@code seconds}. */
    private static Result exec(List<String> command, long seconds) throws IOException, InterruptedException {
        Files.createDirectories(OUT);
        File out = Files.createTempFile(OUT.getParent(), "exec", ".out").toFile();
        File err = Files.createTempFile(OUT.getParent(), "exec", ".err").toFile();
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                fail(command.get(0) + " did not finish in " + seconds + " s:\n"
                        + Files.readString(err.toPath(), StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
                    Files.readString(err.toPath(), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out.toPath());
            Files.deleteIfExists(err.toPath());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
