package dev.triplane.cli;

import dev.triplane.core.dicom.DicomAttributes;
import dev.triplane.core.dicom.DicomSeries;
import dev.triplane.core.dicom.DicomSeriesReader;
import dev.triplane.core.dicom.DicomTag;
import dev.triplane.core.geometry.Orientation;
import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code triplane info}: what TriPlane reads from a NIfTI file or a DICOM series (a folder of Part 10 files, or one
 * file): the grid, the value range and the format's own fields; for input it refuses, the reason.
 */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = "Format, shape, dtype, value range, spacing, orientation and affine of a NIfTI file or a DICOM "
                + "series folder, with the NIfTI header fields or the DICOM UIDs and transfer syntax; a file TriPlane "
                + "refuses prints its reason and exits 2.")
final class InfoCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE|DIR",
            description = "a .nii/.nii.gz file, a DICOM file or a folder of one DICOM series")
    private Path path;

    @Option(names = "--json", description = "print JSON instead of text")
    private boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("path", path.toString());
        int code = 0;
        try {
            if (!Files.exists(path)) {
                throw new IllegalArgumentException("no such file or folder: " + path);
            }
            if (Files.isDirectory(path) || DicomSeriesReader.isPart10(path)) {
                dicom(new DicomSeriesReader(ReadLimits.defaults()).read(path), info);
            } else {
                nifti(new NiftiReader(ReadLimits.defaults()).read(path), info);
            }
        } catch (InvalidVolumeException e) {
            info.put("reason", e.reason().name());
            info.put("object", e.object());
            info.put("detail", e.getMessage());
            code = 2;
        }
        if (json) {
            out.println(JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(info));
        } else if (code != 0) {
            spec.commandLine().getErr().println("triplane info: " + info.get("detail"));
        } else {
            print(out, info);
        }
        return code;
    }

    private static void nifti(NiftiImage image, Map<String, Object> info) {
        NiftiHeader h = image.header();
        Grid grid = image.grid();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < grid.voxelCount(); i++) {
            double v = image.voxel(i);
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        info.put("format", "NIfTI-" + h.version());
        grid(grid, image.datatype().name().toLowerCase(), min, max, info);
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("byteOrder", h.byteOrder().toString());
        header.put("datatype", h.datatypeCode());
        header.put("bitpix", h.bitpix());
        header.put("dim", h.dim());
        header.put("pixdim", h.pixdim());
        header.put("voxOffset", h.voxOffset());
        header.put("sclSlope", h.sclSlope());
        header.put("sclInter", h.sclInter());
        header.put("qformCode", h.qformCode());
        header.put("sformCode", h.sformCode());
        header.put("xyztUnits", h.xyztUnits());
        header.put("intentCode", h.intentCode());
        header.put("descrip", h.descrip());
        info.put("nifti", header);
    }

    private static void dicom(DicomSeries series, Map<String, Object> info) {
        float[] voxels = series.toImageVolume().voxels();
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : voxels) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        DicomAttributes a = series.first();
        int bits = a.unsignedShort(DicomTag.BITS_ALLOCATED, 16);
        boolean signed = a.unsignedShort(DicomTag.PIXEL_REPRESENTATION, 0) == 1;
        info.put("format", "DICOM");
        grid(series.grid(), (signed ? "int" : "uint") + bits + " stored, float32 rescaled", min, max, info);
        Map<String, Object> dicom = new LinkedHashMap<>();
        dicom.put("modality", series.modality());
        dicom.put("studyInstanceUid", series.studyInstanceUid());
        dicom.put("seriesInstanceUid", series.seriesInstanceUid());
        dicom.put("frameOfReferenceUid", series.frameOfReferenceUid());
        dicom.put("transferSyntaxUids", series.transferSyntaxes());
        dicom.put("files", series.slices().size());
        dicom.put("ignoredFiles", series.ignored().size());
        dicom.put("bitsAllocated", bits);
        dicom.put("bitsStored", a.unsignedShort(DicomTag.BITS_STORED, bits));
        dicom.put("pixelRepresentation", signed ? 1 : 0);
        dicom.put("rescaleSlope", series.slope(0));
        dicom.put("rescaleIntercept", series.intercept(0));
        info.put("dicom", dicom);
    }

    private static void grid(Grid grid, String dtype, double min, double max, Map<String, Object> info) {
        info.put("shape", grid.shape());
        info.put("dtype", dtype);
        info.put("range", new double[] {min, max});
        info.put("spacing", grid.spacing());
        info.put("orientation", orientation(grid.affine()));
        double[] a = grid.affine();
        info.put("affine", new double[][] {Arrays.copyOfRange(a, 0, 4), Arrays.copyOfRange(a, 4, 8),
                Arrays.copyOfRange(a, 8, 12), Arrays.copyOfRange(a, 12, 16)});
    }

    /** nibabel's axis codes, or why there are none (a singular affine). */
    private static String orientation(double[] affine) {
        try {
            return Orientation.of(affine).axisCodes();
        } catch (IllegalArgumentException e) {
            return "none (" + e.getMessage() + ")";
        }
    }

    /** One {@code key  value} line per field; nested maps indented, arrays as lists. */
    private static void print(PrintWriter out, Map<String, Object> info) {
        info.forEach((key, value) -> {
            if (value instanceof Map<?, ?> nested) {
                out.println(key + ":");
                nested.forEach((k, v) -> out.printf("  %-22s %s%n", k, text(v)));
            } else if (value instanceof double[][] rows) {
                out.printf("%-24s %s%n", key, text(rows[0]));
                for (int r = 1; r < rows.length; r++) {
                    out.printf("%-24s %s%n", "", text(rows[r]));
                }
            } else {
                out.printf("%-24s %s%n", key, text(value));
            }
        });
    }

    private static String text(Object v) {
        if (v instanceof double[] d) {
            return Arrays.toString(d);
        }
        if (v instanceof int[] i) {
            return Arrays.toString(i);
        }
        if (v instanceof long[] l) {
            return Arrays.toString(l);
        }
        return String.valueOf(v);
    }
}
