package dev.triplane.core.dicom;

import dev.triplane.core.events.Reason;
import dev.triplane.core.nifti.InflateLimitStream;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Reads a CT series of single-frame DICOM Part 10 files (one file per slice) into a {@link DicomSeries}.
 *
 * <p>Hand-written because no maintained DICOM reader is published on Maven Central (dcm4che and PixelMed are not).
 * Decodes implicit and explicit VR little endian, explicit VR big endian, deflated explicit VR little endian and
 * JPEG Lossless (process 14, with {@link JpegLossless}), with 8- or 16-bit signed or unsigned pixels; other
 * compressed syntaxes are refused by UID ({@link Reason#DICOM_UNSUPPORTED_SYNTAX}). The slices must form one
 * rectilinear grid, else the series is refused with a named reason: files of several series or slices that differ
 * in size, orientation or pixel spacing ({@link Reason#DICOM_MIXED_SERIES}), a gap one or more slices would fill
 * ({@link Reason#DICOM_MISSING_SLICE}), two slices at one position ({@link Reason#DICOM_DUPLICATE_SLICE}), other
 * spacing that varies by more than {@link #SPACING_TOLERANCE} ({@link Reason#DICOM_UNEVEN_SPACING}), slices stacked
 * off their normal ({@link Reason#DICOM_GANTRY_TILT}), a modality other than CT ({@link Reason#DICOM_NOT_CT}).
 * Malformed files get the volume reasons the NIfTI reader uses ({@code BAD_MAGIC}, {@code BAD_HEADER}, {@code
 * TRUNCATED}, {@code TOO_LARGE}, ...); the stored pixels of a whole series are bounded by {@link
 * ReadLimits#maxVoxelBytes()}.
 */
public final class DicomSeriesReader {

    /** Largest relative difference between slice gaps (and between a gap and a multiple of the smallest). */
    public static final double SPACING_TOLERANCE = 0.01;
    /** Largest in-plane drift of the slice positions per mm along the normal (tan of about 0.06 degrees). */
    public static final double TILT_TOLERANCE = 1e-3;
    /** Largest difference in orientation cosines or pixel spacing (mm) between slices of one series. */
    public static final double SAME_PLANE_TOLERANCE = 1e-4;

    private static final int MAX_DIRECTORY_DEPTH = 8;
    private static final int MAX_ZIP_ENTRIES = 100_000;

    private final ReadLimits limits;

    public DicomSeriesReader(ReadLimits limits) {
        this.limits = limits;
    }

    /**
     * Whether a file starts as a DICOM Part 10 file does ({@code DICM} at byte 128): how a directory's DICOM files
     * are told from the others, whatever their names.
     */
    public static boolean isPart10(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return isPart10Prefix(in.readNBytes(132));
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the first 132 bytes of a file are a preamble and {@code DICM}. */
    static boolean isPart10Prefix(byte[] prefix) {
        return prefix.length >= 132 && prefix[128] == 'D' && prefix[129] == 'I' && prefix[130] == 'C'
                && prefix[131] == 'M';
    }

    /**
     * Reads the series in a directory (every regular file below it, any name; files that are not DICOM Part 10
     * images, such as a DICOMDIR, are skipped and listed in {@link DicomSeries#ignored()}) or in one file.
     */
    public DicomSeries read(Path path) {
        Collector found = collect(path);
        return assemble(found.instances, found.ignored, path.toString());
    }

    /**
     * Reads every series in a directory (as {@link #read}): CT series as volumes, the others named by
     * SeriesInstanceUID and modality.
     */
    public DicomStudy readStudy(Path path) {
        return study(collect(path), path.toString());
    }

    /**
     * Reads every series in a zip archive (entries of any name; others skipped), within the inflate and voxel
     * limits, and closes the stream.
     *
     * @throws InvalidVolumeException {@link Reason#INFLATE_LIMIT} when the entries inflate past the limit,
     *     {@link Reason#BAD_HEADER} for a damaged archive, or what reading an entry throws (naming
     *     {@code object!entry})
     */
    public DicomStudy readStudyZip(InputStream zip, String object) {
        Collector found = new Collector(object);
        try (ZipInputStream entries = new ZipInputStream(zip)) {
            InputStream limited = new InflateLimitStream(entries, limits.maxInflatedBytes(), object);
            ZipEntry entry;
            int count = 0;
            while ((entry = entries.getNextEntry()) != null) {
                if (++count > MAX_ZIP_ENTRIES) {
                    throw new InvalidVolumeException(object, Reason.TOO_LARGE,
                            "more than " + MAX_ZIP_ENTRIES + " zip entries");
                }
                if (entry.isDirectory()) {
                    continue;
                }
                if (unsafeEntryName(entry.getName())) {
                    // nothing is extracted, but such a name only comes from a tool that means harm
                    throw new InvalidVolumeException(object, Reason.BAD_OBJECT_KEY, "zip entry "
                            + count + " has an absolute name, a '..' segment or a control character");
                }
                String name = object + "!" + entry.getName();
                String base = entry.getName().substring(entry.getName().lastIndexOf('/') + 1);
                if (base.startsWith(".") || entry.getName().startsWith("__MACOSX/")) {
                    found.ignored.add(name);
                    continue;
                }
                // the parser closes its stream: give it a view of this entry that leaves the archive open
                BufferedInputStream one = new BufferedInputStream(new FilterInputStream(limited) {
                    @Override
                    public void close() {
                        // the archive is closed once, after its last entry
                    }
                }, 1 << 16);
                one.mark(132);
                boolean part10 = isPart10Prefix(one.readNBytes(132));
                one.reset();
                if (part10) {
                    found.add(readInstance(one, name));
                } else {
                    found.ignored.add(name);
                }
                // the rest of the entry inflates through the limit too, not unseen in getNextEntry
                limited.transferTo(OutputStream.nullOutputStream());
            }
        } catch (ZipException e) {
            throw new InvalidVolumeException(object, Reason.BAD_HEADER, "zip archive: " + e.getMessage(), e);
        } catch (EOFException e) {
            throw new InvalidVolumeException(object, Reason.TRUNCATED, "zip archive ends early", e);
        } catch (IOException e) {
            throw new InvalidVolumeException(object, Reason.IO_ERROR, e.toString(), e);
        }
        return study(found, object);
    }

    /** Opens one named input of {@link #readStudy(List, Opener, String)}. */
    @FunctionalInterface
    public interface Opener {
        InputStream open(String name) throws IOException;
    }

    /**
     * Reads every series of the named inputs (objects of a bucket prefix, any names; those that are not Part 10
     * images skipped), each streamed once as {@code opener} opens it, within the voxel limit.
     *
     * @param object what errors about the whole input name
     * @throws InvalidVolumeException {@link Reason#TOO_LARGE} for more than {@value #MAX_ZIP_ENTRIES} names, or what
     *     reading one throws (naming it)
     */
    public DicomStudy readStudy(List<String> names, Opener opener, String object) {
        if (names.size() > MAX_ZIP_ENTRIES) {
            throw new InvalidVolumeException(object, Reason.TOO_LARGE, names.size() + " objects, more than "
                    + MAX_ZIP_ENTRIES);
        }
        Collector found = new Collector(object);
        for (String name : names) {
            try (BufferedInputStream in = new BufferedInputStream(opener.open(name), 1 << 16)) {
                in.mark(132);
                boolean part10 = isPart10Prefix(in.readNBytes(132));
                in.reset();
                if (part10) {
                    found.add(readInstance(in, name));
                } else {
                    found.ignored.add(name);
                }
            } catch (IOException e) {
                throw new InvalidVolumeException(name, Reason.IO_ERROR, "cannot read: " + e, e);
            }
        }
        return study(found, object);
    }

    /** An absolute entry name, a {@code ..} segment or a control character. */
    static boolean unsafeEntryName(String name) {
        if (name.startsWith("/") || name.startsWith("\\") || (name.length() > 1 && name.charAt(1) == ':')) {
            return true;
        }
        for (String segment : name.split("[/\\\\]")) {
            if (segment.equals("..")) {
                return true;
            }
        }
        return name.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }

    /** The image instances of a folder or file, and the inputs skipped. */
    private Collector collect(Path path) {
        String object = path.toString();
        List<Path> files;
        if (Files.isDirectory(path)) {
            try (Stream<Path> walk = Files.walk(path, MAX_DIRECTORY_DEPTH)) {
                files = walk.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                        .sorted().toList();
            } catch (IOException e) {
                throw new InvalidVolumeException(object, Reason.IO_ERROR, "cannot list: " + e, e);
            }
        } else {
            files = List.of(path);
        }
        Collector found = new Collector(object);
        for (Path file : files) {
            if (files.size() > 1 && !isPart10(file)) {
                found.ignored.add(file.toString());
                continue;
            }
            try {
                found.add(readInstance(Files.newInputStream(file), file.toString()));
            } catch (IOException e) {
                throw new InvalidVolumeException(file.toString(), Reason.IO_ERROR, "cannot open: " + e, e);
            }
        }
        return found;
    }

    /** Image instances and skipped inputs of one folder or archive; the pixels of all within the voxel limit. */
    private final class Collector {
        private final String object;
        private final List<DicomInstance> instances = new ArrayList<>();
        private final List<String> ignored = new ArrayList<>();
        private long bytes;

        Collector(String object) {
            this.object = object;
        }

        void add(DicomInstance instance) {
            if (instance.pixels() == null) {
                ignored.add(instance.object()); // a DICOMDIR, a report: no image
                return;
            }
            bytes += 2L * instance.pixels().length;
            if (bytes > limits.maxVoxelBytes()) {
                throw new InvalidVolumeException(object, Reason.TOO_LARGE, "the pixels pass the limit of "
                        + limits.maxVoxelBytes() + " bytes at " + instance.object());
            }
            instances.add(instance);
        }
    }

    /** Groups by SeriesInstanceUID: each CT series assembled (or refused on its own), the others listed. */
    private DicomStudy study(Collector found, String object) {
        if (found.instances.isEmpty()) {
            throw new InvalidVolumeException(object, Reason.BAD_MAGIC, "no DICOM image"
                    + (found.ignored.isEmpty() ? "" : " among " + found.ignored.size() + " files"));
        }
        Map<String, List<DicomInstance>> bySeries = new LinkedHashMap<>();
        for (DicomInstance i : found.instances) {
            String uid = i.attributes().requireString(DicomTag.SERIES_INSTANCE_UID);
            bySeries.computeIfAbsent(uid, k -> new ArrayList<>()).add(i);
        }
        List<DicomSeries> ct = new ArrayList<>();
        Map<String, InvalidVolumeException> refused = new LinkedHashMap<>();
        Map<String, String> others = new LinkedHashMap<>();
        bySeries.forEach((uid, instances) -> {
            String modality = instances.get(0).attributes().string(DicomTag.MODALITY);
            if (!"CT".equals(modality)) {
                others.put(uid, modality);
                return;
            }
            try {
                ct.add(assemble(instances, List.of(), object + " series " + uid));
            } catch (InvalidVolumeException e) {
                refused.put(uid, e);
            }
        });
        return new DicomStudy(ct, refused, others, found.ignored);
    }

    /** Reads one Part 10 file with its pixels and closes the stream; errors name {@code object}. */
    public DicomInstance readInstance(InputStream in, String object) {
        return new DicomParser(limits, object).parse(in, true);
    }

    /** Reads the attributes of one Part 10 file, up to its pixel data, and closes the stream. */
    public DicomInstance readHeader(InputStream in, String object) {
        return new DicomParser(limits, object).parse(in, false);
    }

    /**
     * Checks that instances read with {@link #readInstance} form one CT series on a rectilinear grid, sorts
     * them along the slice normal and derives the grid.
     *
     * @param ignored inputs skipped before, for {@link DicomSeries#ignored()}
     * @param object what errors about the whole series name
     */
    public DicomSeries assemble(List<DicomInstance> instances, List<String> ignored, String object) {
        if (instances.isEmpty()) {
            throw new InvalidVolumeException(object, Reason.BAD_MAGIC, "no DICOM image"
                    + (ignored.isEmpty() ? "" : " among " + ignored.size() + " files"));
        }
        requireOneSeries(instances, object);
        DicomInstance first = instances.get(0);
        DicomAttributes a = first.attributes();
        int rows = a.requireUnsignedShort(DicomTag.ROWS);
        int columns = a.requireUnsignedShort(DicomTag.COLUMNS);
        double[] orientation = a.requireDecimals(DicomTag.IMAGE_ORIENTATION_PATIENT, 6);
        double[] pixelSpacing = a.requireDecimals(DicomTag.PIXEL_SPACING, 2);
        double[] rowCosines = Arrays.copyOfRange(orientation, 0, 3);
        double[] columnCosines = Arrays.copyOfRange(orientation, 3, 6);
        double[] normal = cross(rowCosines, columnCosines);
        if (Math.abs(norm(rowCosines) - 1) > 1e-3 || Math.abs(norm(columnCosines) - 1) > 1e-3
                || Math.abs(dot(rowCosines, columnCosines)) > 1e-3) {
            throw new InvalidVolumeException(first.object(), Reason.BAD_HEADER, DicomTag.IMAGE_ORIENTATION_PATIENT
                    + " " + Arrays.toString(orientation) + " is not two orthogonal unit vectors");
        }
        if (!(pixelSpacing[0] > 0 && pixelSpacing[1] > 0)) {
            throw new InvalidVolumeException(first.object(), Reason.BAD_SPACING,
                    DicomTag.PIXEL_SPACING + " " + Arrays.toString(pixelSpacing) + " must be positive");
        }

        // every slice on the first one's plane shape, then sorted by distance along the normal
        int n = instances.size();
        double[][] positions = new double[n][];
        double[] along = new double[n];
        Integer[] order = new Integer[n];
        for (int s = 0; s < n; s++) {
            DicomAttributes sa = instances.get(s).attributes();
            String file = instances.get(s).object();
            if (sa.requireUnsignedShort(DicomTag.ROWS) != rows
                    || sa.requireUnsignedShort(DicomTag.COLUMNS) != columns) {
                throw mixed(file, "slice of " + sa.requireUnsignedShort(DicomTag.COLUMNS) + "x"
                        + sa.requireUnsignedShort(DicomTag.ROWS) + " pixels in a series of " + columns + "x" + rows);
            }
            requireClose(sa.requireDecimals(DicomTag.IMAGE_ORIENTATION_PATIENT, 6), orientation, file,
                    DicomTag.IMAGE_ORIENTATION_PATIENT);
            requireClose(sa.requireDecimals(DicomTag.PIXEL_SPACING, 2), pixelSpacing, file, DicomTag.PIXEL_SPACING);
            positions[s] = sa.requireDecimals(DicomTag.IMAGE_POSITION_PATIENT, 3);
            along[s] = dot(positions[s], normal);
            order[s] = s;
        }
        Arrays.sort(order, Comparator.comparingDouble(s -> along[s]));
        List<DicomInstance> sorted = new ArrayList<>(n);
        double[] slopes = new double[n];
        double[] intercepts = new double[n];
        for (int k = 0; k < n; k++) {
            DicomInstance s = instances.get(order[k]);
            sorted.add(s);
            slopes[k] = s.attributes().decimal(DicomTag.RESCALE_SLOPE, 1);
            intercepts[k] = s.attributes().decimal(DicomTag.RESCALE_INTERCEPT, 0);
            // |stored| < 2^16: a slope and intercept within these bounds keep every value a finite float32
            if (slopes[k] == 0 || Math.abs(slopes[k]) * 65536 + Math.abs(intercepts[k]) > Float.MAX_VALUE) {
                throw new InvalidVolumeException(s.object(), Reason.BAD_HEADER, "RescaleSlope " + slopes[k]
                        + ", RescaleIntercept " + intercepts[k]);
            }
        }

        double[] first3 = positions[order[0]];
        double[] step;
        if (n == 1) {
            double thickness = a.decimal(DicomTag.SPACING_BETWEEN_SLICES, a.decimal(DicomTag.SLICE_THICKNESS, 1));
            step = scale(normal, thickness > 0 ? thickness : 1);
        } else {
            requireEvenStack(sorted, positions, order, along, normal);
            double[] last = positions[order[n - 1]];
            step = scale(subtract(last, first3), 1.0 / (n - 1));
        }
        // LPS columns: i along the row cosines by the column spacing, j along the column cosines by the row
        // spacing, k along the stack; RAS+ negates the x and y rows
        double[] ci = scale(rowCosines, pixelSpacing[1]);
        double[] cj = scale(columnCosines, pixelSpacing[0]);
        double[] affine = new double[16];
        for (int r = 0; r < 3; r++) {
            double sign = r < 2 ? -1 : 1;
            affine[4 * r] = sign * ci[r];
            affine[4 * r + 1] = sign * cj[r];
            affine[4 * r + 2] = sign * step[r];
            affine[4 * r + 3] = sign * first3[r];
        }
        affine[15] = 1;
        Grid grid = new Grid(columns, rows, n, new double[] {pixelSpacing[1], pixelSpacing[0], norm(step)}, affine);
        return new DicomSeries(object, grid, sorted, slopes, intercepts, ignored);
    }

    /** One SeriesInstanceUID, CT, no instance twice. */
    private static void requireOneSeries(List<DicomInstance> instances, String object) {
        Map<String, Integer> series = new LinkedHashMap<>();
        Map<String, String> instanceFiles = new LinkedHashMap<>();
        for (DicomInstance i : instances) {
            series.merge(i.attributes().requireString(DicomTag.SERIES_INSTANCE_UID), 1, Integer::sum);
            String previous = instanceFiles.put(i.attributes().requireString(DicomTag.SOP_INSTANCE_UID), i.object());
            if (previous != null) {
                throw new InvalidVolumeException(i.object(), Reason.DICOM_DUPLICATE_SLICE, "SOPInstanceUID "
                        + i.attributes().string(DicomTag.SOP_INSTANCE_UID) + " also in " + previous);
            }
        }
        if (series.size() > 1) {
            throw new InvalidVolumeException(object, Reason.DICOM_MIXED_SERIES,
                    series.size() + " series (SeriesInstanceUID: files) " + series);
        }
        for (DicomInstance i : instances) {
            String modality = i.attributes().string(DicomTag.MODALITY);
            if (!"CT".equals(modality)) {
                throw new InvalidVolumeException(i.object(), Reason.DICOM_NOT_CT, "Modality " + modality
                        + " in series " + i.attributes().string(DicomTag.SERIES_INSTANCE_UID) + "; CT is required");
            }
        }
    }

    /**
     * Sorted slices must be stacked along their normal (no tilt) with one gap between neighbours, within the
     * tolerances; a gap that is a whole multiple of the smallest one is a missing slice.
     */
    private static void requireEvenStack(List<DicomInstance> sorted, double[][] positions, Integer[] order,
            double[] along, double[] normal) {
        int n = sorted.size();
        double[] origin = positions[order[0]];
        double smallest = Double.MAX_VALUE;
        for (int k = 1; k < n; k++) {
            double gap = along[order[k]] - along[order[k - 1]];
            if (gap < 1e-3) {
                throw new InvalidVolumeException(sorted.get(k).object(), Reason.DICOM_DUPLICATE_SLICE,
                        "at the position of " + sorted.get(k - 1).object() + " (" + gap
                                + " mm apart along the normal)");
            }
            smallest = Math.min(smallest, gap);
            double[] offset = subtract(positions[order[k]], origin);
            double depth = dot(offset, normal);
            double drift = norm(subtract(offset, scale(normal, depth)));
            if (drift > TILT_TOLERANCE * depth) {
                double gantry = sorted.get(0).attributes().decimal(DicomTag.GANTRY_DETECTOR_TILT, 0);
                throw new InvalidVolumeException(sorted.get(k).object(), Reason.DICOM_GANTRY_TILT, String.format(
                        "slices stacked %.3f degrees off their normal (GantryDetectorTilt %s); resample the series"
                                + " first",
                        Math.toDegrees(Math.atan2(drift, depth)), gantry));
            }
        }
        for (int k = 1; k < n; k++) {
            double gap = along[order[k]] - along[order[k - 1]];
            if (Math.abs(gap - smallest) <= SPACING_TOLERANCE * smallest) {
                continue;
            }
            double ratio = gap / smallest;
            long whole = Math.round(ratio);
            String between = sorted.get(k - 1).object() + " and " + sorted.get(k).object();
            if (whole >= 2 && Math.abs(ratio - whole) <= SPACING_TOLERANCE * ratio) {
                throw new InvalidVolumeException(between, Reason.DICOM_MISSING_SLICE, (whole - 1)
                        + " slice(s) missing: " + gap + " mm apart, the series' spacing is " + smallest + " mm");
            }
            throw new InvalidVolumeException(between, Reason.DICOM_UNEVEN_SPACING, gap + " mm apart, the series' "
                    + "smallest gap is " + smallest + " mm (tolerance " + SPACING_TOLERANCE * 100 + "%)");
        }
    }

    private static InvalidVolumeException mixed(String file, String detail) {
        return new InvalidVolumeException(file, Reason.DICOM_MIXED_SERIES, detail);
    }

    private static void requireClose(double[] value, double[] reference, String file, DicomTag tag) {
        for (int c = 0; c < value.length; c++) {
            if (!(Math.abs(value[c] - reference[c]) <= SAME_PLANE_TOLERANCE)) {
                throw mixed(file, tag + " " + Arrays.toString(value) + " differs from the series' "
                        + Arrays.toString(reference));
            }
        }
    }

    private static double[] cross(double[] a, double[] b) {
        return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    }

    private static double dot(double[] a, double[] b) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static double[] scale(double[] a, double f) {
        return new double[] {a[0] * f, a[1] * f, a[2] * f};
    }

    private static double[] subtract(double[] a, double[] b) {
        return new double[] {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
    }
}
