package dev.triplane.core.evaluation;

import dev.triplane.core.metrics.Hd95Profile;
import dev.triplane.core.metrics.StructureMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of an ablation run, kept in a run folder as two append-only CSV files so a killed run resumes:
 * {@code structures.csv} (one line per case x preset x axes x structure: the {@link StructureMetrics} values)
 * and {@code runs.csv} (one line per finished run: its {@link RunTiming}).
 *
 * <p>A run is done once its {@code runs.csv} line is complete; that line is written after all of the run's
 * structure lines, so it marks a run whose results are all on disk. Opening a folder drops a partly written last
 * line of either file, and structure lines of runs that never finished, rewriting the file by an atomic
 * replace; the run is then simply run again. One process writes a run folder at a time; methods are
 * synchronized for the threads of that process.
 */
public final class ResultStore {

    public static final String STRUCTURES = "structures.csv";
    public static final String RUNS = "runs.csv";
    static final String STRUCTURES_HEADER = Csv.line("case", "preset", "axes", "structure_id", "structure",
            "pred_voxels", "ref_voxels", "dice", "iou", "hd", "hd95", "assd", "nsd", "hd95_profile", "note");
    static final String RUNS_HEADER = Csv.line("case", "preset", "axes", "total_s", "memory_attention_s",
            "image_encoder_s");

    private final Path structures;
    private final Path runs;
    private final Map<RunKey, RunTiming> timings = new LinkedHashMap<>();
    private final List<ResultRow> rows = new ArrayList<>();

    private ResultStore(Path folder) {
        this.structures = folder.resolve(STRUCTURES);
        this.runs = folder.resolve(RUNS);
    }

    /**
     * Opens (creating if needed) the run folder and recovers what a previous, possibly killed, run wrote.
     *
     * @throws IllegalArgumentException naming the file when a CSV has a foreign header or a malformed line
     */
    public static ResultStore open(Path folder) throws IOException {
        Files.createDirectories(folder);
        ResultStore store = new ResultStore(folder);
        List<String> runLines = completeLines(store.runs, RUNS_HEADER);
        for (String line : runLines) {
            RunTiming t = parseTiming(line, store.runs);
            store.timings.put(t.key(), t);
        }
        rewriteIfChanged(store.runs, RUNS_HEADER, runLines);
        List<String> kept = new ArrayList<>();
        for (String line : completeLines(store.structures, STRUCTURES_HEADER)) {
            ResultRow row = parseRow(line, store.structures);
            if (store.timings.containsKey(row.key())) {
                store.rows.add(row);
                kept.add(line);
            }
        }
        rewriteIfChanged(store.structures, STRUCTURES_HEADER, kept);
        return store;
    }

    /** True when the run's results are all on disk. */
    public synchronized boolean isDone(RunKey key) {
        return timings.containsKey(key);
    }

    /**
     * Appends one finished run: its structures' metrics, then its timing line.
     *
     * @throws IllegalStateException when the run is already done
     */
    public synchronized void append(RunTiming timing, List<StructureMetrics> metrics) throws IOException {
        RunKey key = timing.key();
        if (timings.containsKey(key)) {
            throw new IllegalStateException("run " + key + " is already in " + runs);
        }
        StringBuilder lines = new StringBuilder();
        List<ResultRow> added = new ArrayList<>();
        for (StructureMetrics m : metrics) {
            lines.append(Csv.line(key.caseId(), key.preset(), key.axes(), Integer.toString(m.id()), m.name(),
                    Long.toString(m.predVoxels()), Long.toString(m.refVoxels()), Csv.number(m.dice()),
                    Csv.number(m.iou()), Csv.number(m.hd()), Csv.number(m.hd95()), Csv.number(m.assd()),
                    Csv.number(m.nsd()), m.profile() == null ? "" : m.profile().id(), m.note())).append('\n');
            added.add(new ResultRow(key, m));
        }
        append(structures, STRUCTURES_HEADER, lines.toString());
        append(runs, RUNS_HEADER, Csv.line(key.caseId(), key.preset(), key.axes(), Csv.number(timing.totalSeconds()),
                Csv.number(timing.memoryAttentionSeconds()), Csv.number(timing.imageEncoderSeconds())) + "\n");
        rows.addAll(added);
        timings.put(key, timing);
    }

    /** Every structure result of finished runs, in the order written. */
    public synchronized List<ResultRow> rows() {
        return List.copyOf(rows);
    }

    /** The timing of every finished run, in the order written. */
    public synchronized List<RunTiming> timings() {
        return List.copyOf(timings.values());
    }

    private static void append(Path file, String header, String text) throws IOException {
        String prefix = Files.exists(file) ? "" : header + "\n";
        Files.writeString(file, prefix + text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** The lines after the header that end with a line break; none when the file does not exist. */
    private static List<String> completeLines(Path file, String header) throws IOException {
        if (!Files.exists(file)) {
            return new ArrayList<>();
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        List<String> lines = new ArrayList<>(end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1)));
        if (lines.isEmpty()) {
            return lines;
        }
        if (!lines.get(0).equals(header)) {
            throw new IllegalArgumentException(file + " is not a TriPlane result file: header '" + lines.get(0)
                    + "', expected '" + header + "'");
        }
        lines.remove(0);
        return lines;
    }

    private static void rewriteIfChanged(Path file, String header, List<String> lines) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        StringBuilder sb = new StringBuilder(header).append('\n');
        for (String line : lines) {
            sb.append(line).append('\n');
        }
        String text = sb.toString();
        if (text.equals(Files.readString(file, StandardCharsets.UTF_8))) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static RunTiming parseTiming(String line, Path file) {
        List<String> f = fields(line, file, 6);
        return new RunTiming(new RunKey(f.get(0), f.get(1), f.get(2)), number(f.get(3), line, file),
                number(f.get(4), line, file), number(f.get(5), line, file));
    }

    private static ResultRow parseRow(String line, Path file) {
        List<String> f = fields(line, file, 15);
        try {
            StructureMetrics m = new StructureMetrics(Integer.parseInt(f.get(3)), f.get(4).isEmpty() ? null : f.get(4),
                    Long.parseLong(f.get(5)), Long.parseLong(f.get(6)), number(f.get(7), line, file),
                    number(f.get(8), line, file), number(f.get(9), line, file), number(f.get(10), line, file),
                    number(f.get(11), line, file), number(f.get(12), line, file),
                    f.get(13).isEmpty() ? null : Hd95Profile.parse(f.get(13)), f.get(14).isEmpty() ? null : f.get(14));
            return new ResultRow(new RunKey(f.get(0), f.get(1), f.get(2)), m);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": malformed line '" + line + "'", e);
        }
    }

    private static List<String> fields(String line, Path file, int count) {
        List<String> f = Csv.parse(line);
        if (f.size() != count) {
            throw new IllegalArgumentException(file + ": line '" + line + "' has " + f.size() + " fields, expected "
                    + count);
        }
        return f;
    }

    private static double number(String text, String line, Path file) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": '" + text + "' is not a number in line '" + line + "'", e);
        }
    }
}
