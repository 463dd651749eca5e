package dev.triplane.core.evaluation;

import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.metrics.MetricOptions;
import dev.triplane.core.metrics.SegmentationMetrics;
import dev.triplane.core.metrics.StructureMetrics;
import dev.triplane.core.propagation.MemoryPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An ablation over a dataset: every case x policy segmented by a {@link CaseSegmenter}, scored per structure
 * against the reference, kept in a {@link ResultStore} (so a killed run resumes where it stopped: finished runs are
 * not segmented again, and a case whose runs are all finished is not even read), then the {@link RunReport}.
 *
 * <p>A structure is scored in a case when the case's reference holds it. The overlays of the report show the first
 * {@value #OVERLAY_CASES} case(s), {@value #OVERLAY_SLICES} slices per axis, for every policy.
 *
 * @param dataset the cases and their label table
 * @param structureIds the structures asked for (e.g. a group's ids)
 * @param groups box-plot groups of the report: name to ids
 * @param policies the policies (presets), in table order
 * @param axes the axes' name in the run keys, e.g. {@code axial} or {@code all}
 * @param maxCases the first cases of the dataset to run; {@code Integer.MAX_VALUE} for all
 * @param metrics metric options (HD95 profile, NSD tolerance)
 */
public record Ablation(Dataset dataset, int[] structureIds, Map<String, int[]> groups, List<MemoryPolicy> policies,
        String axes, int maxCases, MetricOptions metrics) {

    public static final String OVERLAYS = "overlays";
    static final int OVERLAY_CASES = 1;
    static final int OVERLAY_SLICES = 3;

    public Ablation {
        if (structureIds.length == 0 || policies.isEmpty() || maxCases < 1) {
            throw new IllegalArgumentException("an ablation needs structures, policies and at least one case");
        }
        structureIds = structureIds.clone();
        groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
        policies = List.copyOf(policies);
    }

    /**
     * Runs what {@code folder} does not hold yet and writes the report there.
     *
     * @param log told one line per run (started, done, skipped)
     * @return the table over every finished run in the folder
     */
    public AblationTable run(CaseSegmenter segmenter, Path folder, Consumer<String> log) throws IOException {
        ResultStore store = ResultStore.open(folder);
        Path overlays = folder.resolve(OVERLAYS);
        List<DatasetCase> cases = dataset.cases().subList(0, Math.min(maxCases, dataset.cases().size()));
        LabelTable table = dataset.table();
        for (int n = 0; n < cases.size(); n++) {
            DatasetCase c = cases.get(n);
            List<MemoryPolicy> todo = new ArrayList<>();
            for (MemoryPolicy p : policies) {
                if (store.isDone(key(c, p))) {
                    log.accept(c.id() + " " + p.name() + " " + axes + ": done before, skipped");
                } else {
                    todo.add(p);
                }
            }
            if (todo.isEmpty()) {
                continue;
            }
            CaseVolumes volumes = dataset.load(c, structureIds);
            int[] present = present(volumes, structureIds);
            for (MemoryPolicy p : todo) {
                long start = System.nanoTime();
                CaseSegmenter.Segmentation s = segmenter.segment(volumes, p, present);
                List<StructureMetrics> scores = new ArrayList<>();
                for (StructureMetrics m : SegmentationMetrics.perStructure(s.labels(), volumes.reference(), present,
                        metrics)) {
                    scores.add(m.withStructure(m.id(), table.contains(m.id()) ? table.nameOf(m.id())
                            : "label_" + m.id()));
                }
                if (n < OVERLAY_CASES) {
                    SliceOverlays.write(overlays, fileName(c.id() + "-" + p.name() + "-" + axes), volumes.image(),
                            s.labels(), volumes.reference(), OVERLAY_SLICES, SliceOverlays.Window.BONE);
                }
                double total = (System.nanoTime() - start) / 1e9;
                store.append(new RunTiming(key(c, p), total, s.memoryAttentionSeconds(), s.imageEncoderSeconds()),
                        scores);
                log.accept(String.format(Locale.ROOT, "%s %s %s: %d structures in %.2f s", c.id(),
                        p.name(), axes, present.length, total));
            }
        }
        return RunReport.write(folder, "TriPlane ablation: " + dataset.source(), store, groups, overlayFiles(overlays));
    }

    private RunKey key(DatasetCase c, MemoryPolicy p) {
        return new RunKey(c.id(), p.name(), axes);
    }

    /** The requested ids the case's reference holds, in the requested order. */
    private static int[] present(CaseVolumes volumes, int[] ids) {
        TreeSet<Integer> inReference = new TreeSet<>();
        for (int v : volumes.reference().labels()) {
            if (v != 0) {
                inReference.add(v);
            }
        }
        return Arrays.stream(ids).filter(inReference::contains).toArray();
    }

    /** A file-name-safe form of a case id and policy name ({@code is+sps,w=3} -> {@code is_sps_w_3}). */
    static String fileName(String text) {
        return text.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Every overlay in the folder, this run's and earlier runs' alike (a resumed run shows them all). */
    private static List<Path> overlayFiles(Path overlays) throws IOException {
        if (!Files.isDirectory(overlays)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(overlays)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".png")).sorted().toList();
        }
    }
}
