package dev.triplane.core.evaluation;

import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.volume.LabelVolume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A dataset of CT + label-map pairs, described either by a manifest {@code dataset.json}
 * ({@code {"cases":[{"id":"s0001","image":"ct.nii.gz","labels":"seg.nii.gz"}]}}, paths relative to the folder)
 * or by the naming rule {@code images/<id>.nii.gz} with {@code labels/<id>.nii.gz} (or {@code .nii}, see
 * {@link DatasetLayout}): every image needs a label map of the same name. The manifest wins when both exist.
 */
public final class PairedDataset implements Dataset {

    public static final String MANIFEST = "dataset.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String source;
    private final List<DatasetCase> cases;
    private final LabelTable table;

    PairedDataset(String source, List<DatasetCase> cases, LabelTable table) {
        Set<String> ids = new HashSet<>();
        for (DatasetCase c : cases) {
            if (!ids.add(c.id())) {
                throw new IllegalArgumentException(source + ": case id '" + c.id() + "' is used twice");
            }
            CaseFiles.requireFile(c.image(), c.id(), "image");
            CaseFiles.requireFile(c.labels(), c.id(), "labels");
        }
        if (cases.isEmpty()) {
            throw new IllegalArgumentException(source + ": no cases");
        }
        List<DatasetCase> sorted = new ArrayList<>(cases);
        sorted.sort(Comparator.comparing(DatasetCase::id));
        this.source = source;
        this.cases = List.copyOf(sorted);
        this.table = table;
    }

    /**
     * Reads {@code folder/dataset.json}.
     *
     * @throws IllegalArgumentException naming the manifest for malformed JSON, a missing field or a missing file
     */
    public static PairedDataset fromManifest(Path folder, LabelTable table) {
        Path manifest = folder.resolve(MANIFEST);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest, e);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(manifest + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode list = root.get("cases");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException(manifest + ": needs {\"cases\": [{\"id\", \"image\", \"labels\"}, ...]}");
        }
        List<DatasetCase> cases = new ArrayList<>();
        for (int n = 0; n < list.size(); n++) {
            JsonNode c = list.get(n);
            cases.add(new DatasetCase(text(c, "id", manifest, n), folder.resolve(text(c, "image", manifest, n)),
                    folder.resolve(text(c, "labels", manifest, n))));
        }
        return new PairedDataset(manifest.toString(), cases, table);
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public List<DatasetCase> cases() {
        return cases;
    }

    @Override
    public LabelTable table() {
        return table;
    }

    @Override
    public CaseVolumes load(DatasetCase c, int[] structureIds) {
        return read(c, structureIds);
    }

    /**
     * Reads a case from its local image and label-map files, for datasets that keep the pairs elsewhere and fetch
     * a case's files first (an object-store prefix).
     */
    public static CaseVolumes read(DatasetCase c, int[] structureIds) {
        NiftiImage image = CaseFiles.read(CaseFiles.requireFile(c.image(), c.id(), "image"));
        NiftiImage labels = CaseFiles.read(CaseFiles.requireFile(c.labels(), c.id(), "labels"));
        NiftiImage.requireSameGrid(image.grid(), labels.grid(), labels.object());
        LabelVolume reference = labels.toLabelVolume();
        CaseFiles.keepOnly(reference.labels(), structureIds);
        return new CaseVolumes(c.id(), image.toImageVolume(), new LabelVolume(image.grid(), reference.labels()),
                image.header());
    }

    private static String text(JsonNode c, String field, Path manifest, int n) {
        JsonNode v = c == null ? null : c.get(field);
        if (v == null || !v.isString() || v.asString().isBlank()) {
            throw new IllegalArgumentException(manifest + ": case " + n + " needs a string \"" + field + "\"");
        }
        return v.asString();
    }
}
