package dev.triplane.cli;

import dev.triplane.core.events.Reason;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.AxisFrames;
import dev.triplane.core.geometry.Orientation;
import dev.triplane.core.geometry.RasVoxelMap;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.prompts.FramePrompt;
import dev.triplane.core.prompts.PromptCoverage;
import dev.triplane.core.prompts.PromptFile;
import dev.triplane.core.prompts.PromptFileException;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code triplane prompts}: work with prompt files and 3D Slicer markups before submitting them. */
@Command(name = "prompts", mixinStandardHelpOptions = true, description = "Check prompt files and 3D Slicer markups.",
        subcommands = PromptsCommand.Check.class)
final class PromptsCommand {

    /**
     * {@code triplane prompts check FILE --image SCAN}: what ingest would make of a prompt file or markups for this
     * scan, the slices each structure is prompted on per axis, or the reason ingest would refuse it (exit 3).
     */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Validate a prompt file or .mrk.json against a scan as ingest does and print, per structure"
                    + " and axis, the slices that will be prompted. Exit 3 with ingest's reason when it would refuse.")
    static final class Check implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "prompt file (docs/prompts.md) or 3D Slicer markups (.mrk.json)")
        private Path file;

        @Option(names = "--image", required = true, paramLabel = "SCAN", description = "the scan (.nii or .nii.gz)")
        private Path image;

        @Option(names = "--axes", split = ",", paramLabel = "A",
                description = "the axes the request will run (default: all three)")
        private List<String> axes = List.of();

        @Mixin
        private LabelTableOption labelTable;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            LabelTable table = labelTable.table();
            List<Axis> requested = axes.isEmpty() ? List.of(Axis.values()) : axes.stream().map(Axis::parse).toList();
            Grid grid;
            try {
                grid = new NiftiReader(ReadLimits.defaults()).read(image).grid();
            } catch (InvalidVolumeException e) {
                err.println(e.getMessage()); // names the file and the reason
                return 3;
            }
            List<StructurePrompts> prompts;
            try {
                prompts = PromptFile.read(file, grid, table);
            } catch (PromptFileException e) {
                err.println(Reason.BAD_PROMPTS + ": " + e.getMessage());
                return 3;
            }
            Grid ras = new RasVoxelMap(grid).ras();
            out.printf("%s on %s: %dx%dx%d stored %s; slices and pixels of its RAS+ volume %dx%dx%d%n", file, image,
                    grid.nx(), grid.ny(), grid.nz(), Orientation.of(grid.affine()).axisCodes(), ras.nx(), ras.ny(),
                    ras.nz());
            out.printf("%-5s %-28s %-9s %s%n", "id", "structure", "axis", "prompted slices (of the axis' 0..n-1)");
            for (StructurePrompts s : prompts) {
                List<String> slices = new ArrayList<>();
                for (FramePrompt p : s.prompts()) {
                    slices.add(p.frame() + " (" + kinds(p) + ")");
                }
                out.printf("%-5d %-28s %-9s %s of 0..%d%n", s.structureId(), table.nameOf(s.structureId()),
                        s.axis().id(), String.join(", ", slices), new AxisFrames(ras, s.axis()).frameCount() - 1);
            }
            int[] structures = prompts.stream().mapToInt(StructurePrompts::structureId).distinct().toArray();
            Map<Integer, List<Axis>> nowhere = PromptCoverage.promptedNowhere(prompts, structures, requested);
            if (!nowhere.isEmpty()) {
                err.println(Reason.UNPROMPTED_AXIS + ": " + PromptCoverage.describe(nowhere, table));
                return 3;
            }
            Map<Integer, List<Axis>> unprompted = PromptCoverage.unprompted(prompts, structures, requested);
            if (!unprompted.isEmpty()) {
                out.printf("two stages: %s; these are derived from the fusion of the prompted axes%n",
                        PromptCoverage.describe(unprompted, table));
            }
            out.printf("OK: %d structures will run on %s%n", structures.length,
                    String.join(", ", requested.stream().map(Axis::id).toList()));
            return 0;
        }

        private static String kinds(FramePrompt p) {
            List<String> kinds = new ArrayList<>();
            long positive = p.points().stream().filter(point -> point.positive()).count();
            if (positive > 0) {
                kinds.add(positive + " click" + (positive > 1 ? "s" : ""));
            }
            if (p.points().size() > positive) {
                kinds.add((p.points().size() - positive) + " background");
            }
            if (p.hasBox()) {
                kinds.add("box");
            }
            if (p.hasMask()) {
                kinds.add("mask of " + p.mask().area() + " px");
            }
            return String.join(", ", kinds);
        }
    }
}
