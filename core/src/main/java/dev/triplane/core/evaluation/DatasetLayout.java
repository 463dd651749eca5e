package dev.triplane.core.evaluation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The two dataset layouts, found in a listing of names below the dataset's root, so a folder and an object-store
 * prefix are read by the same rules: image + label-map pairs ({@code images/<id>.nii[.gz]} with
 * {@code labels/<id>.nii[.gz]}) when the listing has both {@code images/} and {@code labels/}, otherwise the
 * TotalSegmentator layout ({@code <case>/ct.nii.gz} with {@code <case>/segmentations/}).
 *
 * @param pairs whether the layout is image + label-map pairs
 * @param cases the cases by ascending id
 */
public record DatasetLayout(boolean pairs, List<Entry> cases) {

    /** Where the image and labels of TotalSegmentator cases lie in their folder. */
    public static final String CT = "ct.nii.gz";
    public static final String SEGMENTATIONS = "segmentations/";
    public static final String IMAGES = "images/";
    public static final String LABELS = "labels/";

    /**
     * One case, by names relative to the root.
     *
     * @param id the case name
     * @param image the CT volume
     * @param labels the label map, or the masks folder (ending in {@code /}) of a TotalSegmentator case
     */
    public record Entry(String id, String image, String labels) {}

    public DatasetLayout {
        cases = List.copyOf(cases);
    }

    /**
     * Finds the layout of a listing.
     *
     * @param names names below the root, {@code /}-separated: every file, or for a folder its entries two levels
     *     deep with folders ending in {@code /}
     * @param root how messages show the root, ending in a separator (e.g. {@code s3://bucket/prefix/})
     * @throws IllegalArgumentException naming the objects when the listing holds neither layout, an image has no
     *     label map (or the reverse), two files of a folder share a stem, or a case has no masks folder
     */
    public static DatasetLayout parse(Collection<String> names, String root) {
        Map<String, String> images = byStem(names, IMAGES, root);
        Map<String, String> labels = byStem(names, LABELS, root);
        boolean pairs = names.stream().anyMatch(n -> n.startsWith(IMAGES))
                && names.stream().anyMatch(n -> n.startsWith(LABELS));
        List<Entry> cases = pairs ? pairs(images, labels, root) : caseFolders(names, root);
        if (cases.isEmpty()) {
            throw new IllegalArgumentException(root + " is not a dataset: no " + IMAGES + " + " + LABELS
                    + " with NIfTI files and no <case>/" + CT
                    + (names.contains(PairedDataset.MANIFEST) ? " (a " + PairedDataset.MANIFEST
                            + " manifest is read from folders only)" : ""));
        }
        return new DatasetLayout(pairs, cases);
    }

    /**
     * Finds the layout of a folder from its entries two levels deep.
     *
     * @see #parse
     */
    public static DatasetLayout of(Path folder) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> entries = Files.walk(folder, 2)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (!p.equals(folder)) {
                    String name = folder.relativize(p).toString().replace('\\', '/');
                    names.add(Files.isDirectory(p) ? name + "/" : name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
        return parse(names, folder + folder.getFileSystem().getSeparator());
    }

    /** NIfTI files directly in {@code folder}, by name without extension, to their name below the root. */
    private static Map<String, String> byStem(Collection<String> names, String folder, String root) {
        Map<String, String> files = new TreeMap<>();
        for (String name : names) {
            String file = name.startsWith(folder) ? name.substring(folder.length()) : "";
            if (file.isEmpty() || file.contains("/") || !CaseFiles.isNifti(Path.of(file))) {
                continue;
            }
            String previous = files.put(CaseFiles.stem(Path.of(file)), name);
            if (previous != null) {
                throw new IllegalArgumentException(root + folder + " holds both " + previous + " and " + name);
            }
        }
        return files;
    }

    private static List<Entry> pairs(Map<String, String> images, Map<String, String> labels, String root) {
        List<Entry> cases = new ArrayList<>();
        for (Map.Entry<String, String> image : images.entrySet()) {
            String label = labels.get(image.getKey());
            if (label == null) {
                throw new IllegalArgumentException("image " + root + image.getValue() + " has no label map " + root
                        + LABELS + image.getValue().substring(IMAGES.length()));
            }
            cases.add(new Entry(caseId(image.getKey(), root), image.getValue(), label));
        }
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (!images.containsKey(label.getKey())) {
                throw new IllegalArgumentException("label map " + root + label.getValue() + " has no image " + root
                        + IMAGES + label.getValue().substring(LABELS.length()));
            }
        }
        return cases;
    }

    private static List<Entry> caseFolders(Collection<String> names, String root) {
        Set<String> withMasks = new HashSet<>();
        for (String name : names) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.startsWith(SEGMENTATIONS, slash + 1)) {
                withMasks.add(name.substring(0, slash));
            }
        }
        Map<String, Entry> cases = new TreeMap<>();
        for (String name : names) {
            String id = name.endsWith("/" + CT) ? name.substring(0, name.length() - CT.length() - 1) : "";
            if (id.isEmpty() || id.contains("/")) {
                continue;
            }
            String masks = id + "/" + SEGMENTATIONS;
            if (!withMasks.contains(id)) {
                throw new IllegalArgumentException("case '" + id + "': no masks folder " + root + masks);
            }
            cases.put(id, new Entry(caseId(id, root), name, masks));
        }
        return new ArrayList<>(cases.values());
    }

    /** A case id that is also a safe folder name in a download cache. */
    private static String caseId(String id, String root) {
        if (id.equals(".") || id.equals("..")) {
            throw new IllegalArgumentException(root + ": '" + id + "' is not a case name");
        }
        return id;
    }
}
