package dev.triplane.cli;

import dev.triplane.cli.pipeline.Outcome;
import dev.triplane.cli.pipeline.PipelineClient;
import dev.triplane.cli.pipeline.Submission;
import dev.triplane.cli.pipeline.Submitted;
import dev.triplane.core.events.ErrorEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code triplane submit}: uploads one case to the running pipeline's ingest-service. */
@Command(
        name = "submit",
        mixinStandardHelpOptions = true,
        description = "Upload a CT volume (with labels and/or prompts) to the running pipeline (./triplane up).")
final class SubmitCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private StackOptions stackOptions;

    @Parameters(index = "0", paramLabel = "FILE", description = "the CT volume (.nii or .nii.gz)")
    private Path image;

    @Option(names = "--labels", paramLabel = "FILE",
            description = "reference labels on the same grid "
                    + "(prompts are derived from them, metrics computed against them)")
    private Path labels;

    @Option(names = "--prompts", paramLabel = "FILE", description = "prompt file (docs/prompts.md)")
    private Path prompts;

    @Option(names = "--structures", paramLabel = "S",
            description = "names, ids or groups to segment, e.g. liver,spleen or bones (default: ingest's)")
    private String structures;

    @Option(names = "--policy", paramLabel = "P", description = "memory policy, e.g. is+sps (default: ingest's)")
    private String policy;

    @Option(names = "--model", paramLabel = "NAME", description = "model folder the workers run (default: ingest's)")
    private String model;

    @Option(names = "--dataset-tag", paramLabel = "T",
            description = "tag the metrics are aggregated under (default: ingest's)")
    private String datasetTag;

    @Option(names = "--axes", paramLabel = "A",
            description = "axes to propagate along, e.g. axial,coronal (default: ingest's, all three)")
    private String axes;

    @Option(names = "--budget", paramLabel = "N",
            description = "prompted slices per structure and axis, prompts from labels (default: ingest's)")
    private Integer budget;

    @Option(names = "--selector", paramLabel = "S",
            description = "how prompted slices are chosen: extent-ends, largest-area, area-quantiles "
                    + "(default: ingest's)")
    private String selector;

    @Option(names = "--prompt-kinds", paramLabel = "K",
            description = "prompt kinds per prompted slice: box, point, mask (default: ingest's)")
    private String promptKinds;

    @Option(names = "--wait", description = "follow the request until it is COMPLETED, FAILED or REJECTED")
    private boolean await;

    @Option(names = "--timeout", defaultValue = "PT1H", paramLabel = "DURATION",
            description = "how long --wait waits (ISO-8601); default ${DEFAULT-VALUE}")
    private Duration timeout;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PipelineClient client = new PipelineClient(stackOptions.stack());
        Submitted submitted = client.submit(new Submission(image, labels, prompts, structures, policy, model,
                datasetTag, axes, budget, selector, promptKinds));
        if (submitted.volumeId() != null) { // none when the upload was refused before it was read
            out.println("volumeId  " + submitted.volumeId());
        }
        if (submitted.rejected()) {
            out.flush();
            err.println("REJECTED: " + submitted.reason() + ": " + submitted.detail());
            return 3;
        }
        out.println("requestId " + submitted.requestId());
        out.println("outcome   " + submitted.outcome());
        out.flush();
        if (!await) {
            return 0;
        }
        Outcome outcome = client.await(submitted.volumeId(), submitted.requestId(), timeout, s -> {
            out.println(StatusTable.progress(s));
            out.flush();
        });
        if (!outcome.finished()) {
            err.println("still running after " + timeout + "; ./triplane status " + submitted.volumeId());
            return 4;
        }
        for (ErrorEvent e : outcome.errors()) {
            err.println("error: " + e.stage() + " " + e.reason() + ": " + e.detail());
        }
        if (outcome.metrics() != null) {
            MetricsTable.print(out, outcome.metrics().structures(), outcome.metrics().aggregate());
        }
        return outcome.succeeded() ? 0 : 1;
    }
}
