package dev.triplane.core.evaluation;

import dev.triplane.core.labels.LabelTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Cases to evaluate: CT volumes with reference labels. Two layouts on disk are implemented,
 * {@link TotalSegmentatorDataset} and {@link PairedDataset}; the same layouts under an object-store key prefix are
 * {@code dev.triplane.infra.storage.ObjectStoreDataset} (infra), which fetches a case's files and reads them with
 * {@link TotalSegmentatorDataset#read} or {@link PairedDataset#read}.
 */
public interface Dataset {

    /** Where the cases come from (a folder or prefix), for messages and the report. */
    String source();

    /** The cases, ordered by id. */
    List<DatasetCase> cases();

    /**
     * Reads one case with the requested structures only.
     *
     * @param structureIds label ids of {@link #table()} to keep, e.g. from
     *     {@link dev.triplane.core.labels.StructureGroups#expand}
     * @throws dev.triplane.core.volume.InvalidVolumeException naming the file that cannot be read or whose grid
     *     differs from the CT's
     */
    CaseVolumes load(DatasetCase c, int[] structureIds);

    /** The label table the reference ids refer to. */
    LabelTable table();

    /**
     * Opens a dataset folder by its layout: a {@code dataset.json} manifest or {@code images/} + {@code labels/}
     * ({@link PairedDataset}); otherwise case folders with {@code ct.nii.gz} ({@link TotalSegmentatorDataset}).
     *
     * @param table label table of the reference ids (TotalSegmentator v2 for its layout)
     * @throws IllegalArgumentException naming the folder when it is none of these layouts
     */
    static Dataset open(Path folder, LabelTable table) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("dataset folder " + folder + " does not exist or is not a folder");
        }
        if (Files.isRegularFile(folder.resolve(PairedDataset.MANIFEST))) {
            return PairedDataset.fromManifest(folder, table);
        }
        DatasetLayout layout = DatasetLayout.of(folder);
        List<DatasetCase> cases = layout.cases().stream()
                .map(c -> new DatasetCase(c.id(), folder.resolve(c.image()), folder.resolve(c.labels()))).toList();
        return layout.pairs() ? new PairedDataset(folder.toString(), cases, table)
                : new TotalSegmentatorDataset(folder, cases, table);
    }
}
