package dev.triplane.cli;

import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.labels.StructureGroups;
import dev.triplane.core.metrics.AggregateMetrics;
import dev.triplane.core.metrics.Hd95Profile;
import dev.triplane.core.metrics.MetricOptions;
import dev.triplane.core.metrics.SegmentationMetrics;
import dev.triplane.core.metrics.StructureMetrics;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/** {@code triplane metrics}: per-structure overlap and surface-distance metrics between two label maps. */
@Command(
        name = "metrics",
        mixinStandardHelpOptions = true,
        description = "Dice, IoU, HD, HD95, ASSD and NSD (mm) per structure of a predicted label map against a reference.")
final class MetricsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--pred", required = true, description = "predicted label map (.nii or .nii.gz)")
    private Path pred;

    @Option(names = "--ref", required = true, description = "reference label map on the same grid")
    private Path ref;

    @Option(names = "--labels", split = ",", paramLabel = "ID|NAME|GROUP",
            description = "structures to score: ids, names or groups such as bones (default: every id present in either map)")
    private List<String> labels = List.of();

    @Option(names = "--profile", defaultValue = "monai",
            description = "HD95 profile: monai (max of directed 95th percentiles) or pooled (medpy); default ${DEFAULT-VALUE}")
    private String profile;

    @Option(names = "--nsd-tolerance", defaultValue = "1.0", paramLabel = "MM",
            description = "NSD tolerance in mm; default ${DEFAULT-VALUE}")
    private double nsdToleranceMm;

    @Mixin
    private LabelTableOption labelTable;

    @Option(names = "--json", description = "print JSON instead of a table")
    private boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            LabelTable table = labelTable.table();
            NiftiReader reader = new NiftiReader(ReadLimits.defaults());
            NiftiImage predImage = reader.read(pred);
            NiftiImage refImage = reader.read(ref);
            NiftiImage.requireSameGrid(refImage.grid(), predImage.grid(), pred.toString());
            LabelVolume predLabels = predImage.toLabelVolume();
            LabelVolume refLabels = refImage.toLabelVolume();
            MetricOptions options = new MetricOptions(Hd95Profile.parse(profile), nsdToleranceMm);
            List<StructureMetrics> rows = new ArrayList<>();
            for (StructureMetrics m : SegmentationMetrics.perStructure(predLabels, refLabels, structureIds(table), options)) {
                rows.add(m.withStructure(m.id(), table.contains(m.id()) ? table.nameOf(m.id()) : "label_" + m.id()));
            }
            AggregateMetrics aggregate = AggregateMetrics.of(rows);
            if (json) {
                out.println(JsonMapper.builder().build().writerWithDefaultPrettyPrinter()
                        .writeValueAsString(new Report(pred.toString(), ref.toString(), options, rows, aggregate)));
            } else {
                MetricsTable.print(out, rows, aggregate);
            }
            return 0;
        } catch (InvalidVolumeException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("triplane metrics: " + e.getMessage());
            return 2;
        }
    }

    private int[] structureIds(LabelTable table) {
        return labels.isEmpty() ? new int[0] : StructureGroups.expand(String.join(",", labels), table);
    }

    /** The JSON document printed with {@code --json}. */
    record Report(String pred, String ref, MetricOptions options, List<StructureMetrics> structures,
                  AggregateMetrics aggregate) {
    }
}
