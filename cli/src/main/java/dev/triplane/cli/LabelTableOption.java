package dev.triplane.cli;

import dev.triplane.core.labels.LabelTable;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --label-table FILE}, shared by the commands that name structures. */
final class LabelTableOption {

    @Option(names = "--label-table", paramLabel = "FILE",
            description = "JSON id -> name table (default: TotalSegmentator v2)")
    private Path file;

    /** The given table, or TotalSegmentator v2's. */
    LabelTable table() {
        return file == null ? LabelTable.totalSegmentatorV2() : LabelTable.read(file);
    }
}
