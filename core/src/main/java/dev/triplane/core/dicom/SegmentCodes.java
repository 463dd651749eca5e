package dev.triplane.core.dicom;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a DICOM SEG says a structure is: its label and its coded category and type (PS3.3 C.8.20.2), with the
 * optional type modifier (left, right), anatomic region and region modifier. The bundled table
 * ({@code totalsegmentator-snomed.tsv}) gives TotalSegmentator's own SNOMED CT codes for the 117 structures of its
 * v2 "total" task, by the ids of {@link dev.triplane.core.labels.LabelTable#totalSegmentatorV2()}; an id outside
 * the table is coded as a generic anatomical structure labelled by its id.
 */
public final class SegmentCodes {

    private static final String TOTAL_V2 = "totalsegmentator-snomed.tsv";
    private static final Code ANATOMICAL_STRUCTURE_CATEGORY = new Code("SCT", "123037004", "Anatomical Structure");
    private static final Code ANATOMICAL_STRUCTURE = new Code("SCT", "91723000", "Anatomical structure");

    /** One coded concept (PS3.3 section 8.8). */
    public record Code(String scheme, String value, String meaning) {}

    /**
     * The description of one structure.
     *
     * @param label the SegmentLabel (the structure's name)
     * @param category SegmentedPropertyCategoryCodeSequence
     * @param type SegmentedPropertyTypeCodeSequence
     * @param typeModifier SegmentedPropertyTypeModifierCodeSequence, or null
     * @param region AnatomicRegionSequence, or null
     * @param regionModifier AnatomicRegionModifierSequence (inside the region), or null
     */
    public record Segment(String label, Code category, Code type, Code typeModifier, Code region,
            Code regionModifier) {}

    private final Map<Integer, Segment> byId;

    private SegmentCodes(Map<Integer, Segment> byId) {
        this.byId = Collections.unmodifiableMap(new TreeMap<>(byId));
    }

    /** The SNOMED CT codes of TotalSegmentator v2's "total" task, bundled with the library. */
    public static SegmentCodes totalSegmentatorV2() {
        try (InputStream in = SegmentCodes.class.getResourceAsStream(TOTAL_V2)) {
            if (in == null) {
                throw new IllegalStateException("resource " + TOTAL_V2 + " is missing from the classpath");
            }
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + TOTAL_V2, e);
        }
    }

    /**
     * Reads a table of tab-separated lines {@code id name category type type_modifier anatomic_region
     * anatomic_region_modifier}, a code written {@code scheme|value|meaning} and an absent one empty; lines
     * starting with {@code #} and the header line ({@code id ...}) are skipped.
     */
    static SegmentCodes read(InputStream tsv) throws IOException {
        Map<Integer, Segment> byId = new TreeMap<>();
        BufferedReader lines = new BufferedReader(new InputStreamReader(tsv, StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith("id\t")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 7) {
                throw new IllegalArgumentException("segment code line has " + f.length + " columns, not 7: " + line);
            }
            Segment s = new Segment(f[1], code(f[2]), code(f[3]), code(f[4]), code(f[5]), code(f[6]));
            if (s.category() == null || s.type() == null) {
                throw new IllegalArgumentException("structure " + f[0] + " has no category or type code");
            }
            byId.put(Integer.parseInt(f[0]), s);
        }
        return new SegmentCodes(byId);
    }

    /** The description of structure {@code id}; a generic anatomical structure when the table lacks it. */
    public Segment of(int id) {
        Segment s = byId.get(id);
        return s != null ? s : new Segment("structure " + id, ANATOMICAL_STRUCTURE_CATEGORY, ANATOMICAL_STRUCTURE,
                null, null, null);
    }

    /** The ids the table describes, ascending. */
    public Map<Integer, Segment> segments() {
        return byId;
    }

    private static Code code(String text) {
        if (text.isEmpty()) {
            return null;
        }
        String[] p = text.split("\\|", -1);
        if (p.length != 3 || p[0].isEmpty() || p[1].isEmpty() || p[2].isEmpty()) {
            throw new IllegalArgumentException("code '" + text + "' is not scheme|value|meaning");
        }
        return new Code(p[0], p[1], p[2]);
    }
}
