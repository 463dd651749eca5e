package dev.triplane.core.evaluation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes every report file of a run folder from its {@link ResultStore}: {@code table.txt}, {@code table.md},
 * {@code per-structure.csv}, {@code per-case.csv} and {@code report.html}.
 */
public final class RunReport {

    public static final String TABLE_TEXT = "table.txt";
    public static final String TABLE_MARKDOWN = "table.md";

    private RunReport() {
    }

    /**
     * @param groups structure group name to ids, for the box plots
     * @param overlays PNG overlays already written inside {@code folder}
     * @return the table, for printing
     */
    public static AblationTable write(Path folder, String title, ResultStore store, Map<String, int[]> groups,
            List<Path> overlays) throws IOException {
        List<ResultRow> rows = store.rows();
        List<RunTiming> timings = store.timings();
        AblationTable table = AblationTable.of(rows, timings);
        Files.writeString(folder.resolve(TABLE_TEXT), table.text(), StandardCharsets.UTF_8);
        Files.writeString(folder.resolve(TABLE_MARKDOWN), table.markdown(), StandardCharsets.UTF_8);
        ResultExports.perStructure(rows, folder.resolve(ResultExports.PER_STRUCTURE));
        ResultExports.perCase(rows, timings, folder.resolve(ResultExports.PER_CASE));
        HtmlReport.write(folder, title, table, rows, groups, overlays);
        return table;
    }
}
