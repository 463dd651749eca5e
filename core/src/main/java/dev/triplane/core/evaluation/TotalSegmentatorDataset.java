package dev.triplane.core.evaluation;

import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.core.volume.ParallelRanges;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The TotalSegmentator release layout: one folder per case, {@code <case>/ct.nii.gz} and
 * {@code <case>/segmentations/<structure>.nii.gz}, one binary mask per structure named as in the label table
 * ({@link LabelTable#totalSegmentatorV2()}); {@link DatasetLayout} finds the cases. Subfolders without
 * {@code ct.nii.gz} are not cases.
 *
 * <p>The reference label map of a case is built from the requested masks only (any non-zero voxel is inside).
 * Overlap rule: a voxel inside several requested masks keeps the structure requested FIRST (the order of
 * {@code structureIds}, as {@link dev.triplane.core.labels.StructureGroups#expand} returns it), so the result
 * does not depend on file listing order.
 */
public final class TotalSegmentatorDataset implements Dataset {

    private final Path folder;
    private final List<DatasetCase> cases;
    private final LabelTable table;

    TotalSegmentatorDataset(Path folder, List<DatasetCase> cases, LabelTable table) {
        this.folder = folder;
        this.cases = List.copyOf(cases);
        this.table = table;
    }

    @Override
    public String source() {
        return folder.toString();
    }

    @Override
    public List<DatasetCase> cases() {
        return cases;
    }

    @Override
    public LabelTable table() {
        return table;
    }

    /**
     * @throws IllegalArgumentException naming the mask path (and structure) when a requested mask is missing
     * @throws dev.triplane.core.volume.InvalidVolumeException when a mask is not on the CT's grid
     */
    @Override
    public CaseVolumes load(DatasetCase c, int[] structureIds) {
        return read(c, structureIds, table);
    }

    /**
     * Reads a case of this layout from local files, {@code c.image()} and the masks in the {@code c.labels()}
     * folder, for datasets that keep the layout elsewhere and fetch a case's files first (an object-store prefix).
     *
     * @see #load
     */
    public static CaseVolumes read(DatasetCase c, int[] structureIds, LabelTable table) {
        NiftiImage image = CaseFiles.read(CaseFiles.requireFile(c.image(), c.id(), "image"));
        List<Path> masks = new ArrayList<>();
        for (int id : structureIds) {
            String name = table.nameOf(id);
            masks.add(CaseFiles.requireFile(c.labels().resolve(name + ".nii.gz"), c.id(),
                    "mask of structure '" + name + "' (id " + id + ")"));
        }
        int[] reference = new int[image.grid().voxelCount()];
        for (int s = 0; s < structureIds.length; s++) {
            NiftiImage mask = CaseFiles.read(masks.get(s));
            NiftiImage.requireSameGrid(image.grid(), mask.grid(), mask.object());
            int[] inside = mask.toLabelVolume().labels();
            int id = structureIds[s];
            ParallelRanges.forEach(reference.length, (from, to) -> {
                for (int i = from; i < to; i++) {
                    if (inside[i] != 0 && reference[i] == 0) {
                        reference[i] = id;
                    }
                }
            });
        }
        return new CaseVolumes(c.id(), image.toImageVolume(), new LabelVolume(image.grid(), reference),
                image.header());
    }
}
