package dev.triplane.cli;

import dev.triplane.cli.pipeline.PipelineClient;
import dev.triplane.cli.pipeline.PipelineSegmenter;
import dev.triplane.cli.stack.StackInfo;
import dev.triplane.core.evaluation.Ablation;
import dev.triplane.core.evaluation.AblationTable;
import dev.triplane.core.evaluation.Dataset;
import dev.triplane.core.evaluation.HtmlReport;
import dev.triplane.core.evaluation.InProcessSegmenter;
import dev.triplane.core.fusion.FusionRule;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.labels.StructureGroups;
import dev.triplane.core.metrics.MetricOptions;
import dev.triplane.core.prompts.DerivationOptions;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.sam2.Sam2Model;
import dev.triplane.core.sam2.Sam2Options;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import dev.triplane.infra.storage.ObjectStoreDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code triplane ablate}: the paper's table over a dataset, one row per memory-policy preset. */
@Command(
        name = "ablate",
        mixinStandardHelpOptions = true,
        description = "Segments every case of a dataset under each preset (prompts from its reference labels), "
                + "scores it and writes the ablation table and report. Resumable: run again with the same --out.")
final class AblateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR|s3://BUCKET/PREFIX",
            description = "dataset folder or bucket prefix: dataset.json (folders only), images/ + labels/, or "
                    + "TotalSegmentator case folders; a bucket is read through the running pipeline's S3 server")
    private String data;

    @Option(names = "--structures", defaultValue = "bones", paramLabel = "GROUP|NAME|ID",
            description = "structures to segment, comma-separated groups, names or ids; default ${DEFAULT-VALUE}")
    private String structures;

    @Option(names = "--presets", defaultValue = "np,baseline,sps,is,is+sps", paramLabel = "POLICY",
            description = "memory policies, comma-separated; an override joins the preset before it "
                    + "(np,is,w=3,sps); default ${DEFAULT-VALUE}")
    private String presets;

    @Option(names = "--axes", defaultValue = "all", paramLabel = "all|AXIS",
            description = "all, or axes among axial, coronal, sagittal, comma-separated; default ${DEFAULT-VALUE}")
    private String axes;

    @Option(names = "--budget", defaultValue = "2", paramLabel = "N",
            description = "prompted slices per structure and axis, chosen by --selector; default ${DEFAULT-VALUE}")
    private int budget;

    @Option(names = "--selector", defaultValue = "extent-ends", paramLabel = "S",
            description = "how prompted slices are chosen: extent-ends (ends + evenly spaced), largest-area, "
                    + "area-quantiles; default ${DEFAULT-VALUE}")
    private String selector;

    @Option(names = "--prompts", defaultValue = "box", split = ",", paramLabel = "KIND",
            description = "prompt kinds on each prompted slice: box, point, mask; default ${DEFAULT-VALUE}")
    private List<String> promptKinds;

    @Option(names = "--fusion", defaultValue = "mean-logit", paramLabel = "RULE",
            description = "mean-logit, mean-prob, vote, max or an axis name; default ${DEFAULT-VALUE}")
    private String fusion;

    @Option(names = "--model", defaultValue = "models/sam2-micro", paramLabel = "DIR",
            description = "exported SAM2 model folder; default ${DEFAULT-VALUE}")
    private Path model;

    @Option(names = "--out", defaultValue = "runs/ablate", paramLabel = "RUN_DIR",
            description = "run folder: results, table and report; an existing one is resumed; default ${DEFAULT-VALUE}")
    private Path out;

    @Option(names = "--cases", paramLabel = "N", description = "only the first N cases (by id)")
    private Integer cases;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "ONNX Runtime intra-op threads, 0 = all cores; default ${DEFAULT-VALUE}")
    private int threads;

    @Mixin
    private LabelTableOption labelTable;

    @Option(names = "--through-pipeline",
            description = "submit every case x preset to the running pipeline (./triplane up) through ingest, Kafka "
                    + "and S3, and score the segmentations it publishes, instead of segmenting in this process")
    private boolean throughPipeline;

    @Option(names = "--stack", paramLabel = "DIR",
            description = "data folder of the running pipeline (its stack.json), for --through-pipeline and s3:// "
                    + "data; default .triplane/ in the repository")
    private Path stackDir;

    @Option(names = "--timeout", defaultValue = "PT30M", paramLabel = "DURATION",
            description = "--through-pipeline: how long one case x preset may take (ISO-8601); "
                    + "default ${DEFAULT-VALUE}")
    private Duration timeout;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            LabelTable table = labelTable.table();
            boolean inBucket = ObjectStoreDataset.Location.isUri(data);
            StackInfo stack = throughPipeline || inBucket
                    ? StackOptions.running(stackDir != null ? stackDir : Home.root().resolve(".triplane")) : null;
            ObjectStoreDataset.Location location = inBucket ? ObjectStoreDataset.Location.parse(data) : null;
            // the bucket dataset downloads each case when the ablation loads it, so its store stays open till the end
            ObjectStore dataStore = inBucket ? new MinioObjectStore(stack.s3(), location.bucket()) : null;
            Dataset dataset = inBucket
                    ? ObjectStoreDataset.open(dataStore, location.prefix(), table, out.resolve("cache"))
                    : Dataset.open(Path.of(data), table);
            List<MemoryPolicy> policies = MemoryPolicy.parseList(presets);
            List<Axis> axisList = parseAxes(axes);
            String axesName = axisList.size() == Axis.values().length ? "all"
                    : String.join("+", axisList.stream().map(Axis::id).toList());
            Map<String, int[]> groups = new LinkedHashMap<>();
            for (String token : structures.split(",")) {
                if (!token.isBlank()) {
                    groups.put(token.strip(), StructureGroups.expand(token, table));
                }
            }
            int[] ids = StructureGroups.expand(structures, table);
            SliceSelector slices = SliceSelector.parse(selector);
            Set<PromptKind> kinds = EnumSet.noneOf(PromptKind.class);
            promptKinds.forEach(k -> kinds.add(PromptKind.parse(k.strip())));
            DerivationOptions prompts = DerivationOptions.defaults().withBudget(budget, slices)
                    .withKinds(kinds);
            FusionRule rule = FusionRule.parse(fusion);
            Ablation ablation = new Ablation(dataset, ids, groups, policies, axesName,
                    cases == null ? Integer.MAX_VALUE : cases, MetricOptions.defaults());
            Consumer<String> log = line -> {
                err.println("triplane ablate: " + line);
                err.flush();
            };
            AblationTable result;
            try {
                if (throughPipeline) {
                    // one tag per run folder: a resumed run reuses its requests, another run makes new ones
                    String tag = "ablate-"
                            + Integer.toHexString(out.toAbsolutePath().normalize().toString().hashCode());
                    try (ObjectStore results = new MinioObjectStore(stack.s3(), stack.bucket())) {
                        result = ablation.run(new PipelineSegmenter(new PipelineClient(stack), results,
                                out.resolve("uploads"), axisList, budget, slices, kinds, rule,
                                model.getFileName().toString(), tag, timeout), out, log);
                    }
                } else {
                    try (Sam2Model sam2 = Sam2Model.load(model, Sam2Options.cpu(threads))) {
                        result = ablation.run(new InProcessSegmenter(sam2, axisList, prompts, rule), out, log);
                    }
                }
            } finally {
                if (dataStore != null) {
                    dataStore.close();
                }
            }
            stdout.print(result.text());
            stdout.println();
            printTimes(stdout, result);
            stdout.println("report: " + out.resolve(HtmlReport.FILE));
            return 0;
        } catch (InvalidVolumeException | IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            err.println("triplane ablate: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("triplane ablate: " + e.getMessage());
            return 1;
        }
    }

    static List<Axis> parseAxes(String spec) {
        if (spec.strip().equalsIgnoreCase("all")) {
            return List.of(Axis.values());
        }
        List<Axis> out = new ArrayList<>();
        for (String token : spec.split(",")) {
            Axis axis = Axis.parse(token.strip());
            if (!out.contains(axis)) {
                out.add(axis);
            }
        }
        return out;
    }

    /** Run time per preset, and how much memory-attention time IS saves against the baseline. */
    private static void printTimes(PrintWriter out, AblationTable table) {
        for (AblationTable.Row r : table.rows()) {
            out.println(String.format(Locale.ROOT, "%-12s %-8s run %8.2f s  memory attention %8.2f s  "
                    + "image encoder %8.2f s  (%d cases)", r.preset(), r.axes(), r.totalSeconds(),
                    r.memoryAttentionSeconds(), r.imageEncoderSeconds(), r.cases()));
        }
        for (AblationTable.Row base : table.rows()) {
            for (AblationTable.Row is : table.rows()) {
                if (base.preset().equals("baseline") && is.preset().equals("is") && base.axes().equals(is.axes())
                        && base.memoryAttentionSeconds() > 0) {
                    out.println(String.format(Locale.ROOT, "IS vs Baseline (%s): memory attention %.2f s vs %.2f s "
                            + "(%.0f%% less)", is.axes(), is.memoryAttentionSeconds(), base.memoryAttentionSeconds(),
                            100 * (1 - is.memoryAttentionSeconds() / base.memoryAttentionSeconds())));
                }
            }
        }
    }
}
