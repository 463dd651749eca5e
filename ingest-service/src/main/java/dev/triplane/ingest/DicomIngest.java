package dev.triplane.ingest;

import dev.triplane.core.dicom.DicomSeries;
import dev.triplane.core.dicom.DicomSeriesReader;
import dev.triplane.core.dicom.DicomSource;
import dev.triplane.core.dicom.DicomStudy;
import dev.triplane.core.events.Reason;
import dev.triplane.core.geometry.WorldGrid;
import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.TriplaneProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;

/**
 * Ingests a DICOM study (a bucket prefix of Part 10 objects, or a zip archive) as one volume per CT series, each
 * through {@link Ingestor} like a NIfTI scan with the study's labels and prompt file.
 *
 * <p>The canonical image of a series is {@link DicomSeries#toImageVolume()} on the series' grid, in its own voxel
 * order (i = column, j = row, k = slice in slice order) with its RAS+ affine, written as float32 NIfTI
 * ({@link NiftiHeader#forGrid}); its volumeId is the SHA-256 of that uncompressed NIfTI, so the same series dropped
 * again, as a folder or a zip, under any name, is the same volume and its request is not published twice. Its
 * {@link DicomSource} is stored beside it ({@link ObjectKeys#dicomSource}), from which fusion writes a DICOM SEG.
 *
 * <p>Labels may be in any voxel order on the series' world grid (as dcm2niix writes a series): they are brought to
 * the series' order ({@link WorldGrid}); labels on another world grid are refused by the ingestor
 * ({@code GRID_MISMATCH}). A refused CT series ends with its own error event and {@code REJECTED} status (its
 * volumeId: the SHA-256 of {@code dicom-series:<SeriesInstanceUID>}) without stopping the others; series of other
 * modalities are named, by SeriesInstanceUID and modality only, in each accepted volume's status detail. A DICOM
 * SEG is not read as labels ({@link #SEG_LABELS}): a labels file that is DICOM is refused ({@code BAD_MAGIC}), and
 * so is a drop whose only labels would be a SEG series in it ({@code NO_PROMPTS}).
 *
 * <p>Memory: the study's stored pixels (2 bytes a voxel) are held while each CT series is written to its NIfTI
 * copy (4 bytes a voxel more, one series at a time); then they are dropped and each series is ingested from its
 * copy as a NIfTI scan is.
 */
@Service
public class DicomIngest {

    /** Why a DICOM SEG does not serve as labels. */
    static final String SEG_LABELS = "a DICOM SEG is not read as labels (not supported): give the labels as"
            + " <name>_seg.nii.gz (dcmqi's segimage2itkimage converts a SEG) or prompts as <name>.prompts.json";

    private final Ingestor ingestor;
    private final NiftiReader niftiReader;
    private final DicomSeriesReader reader;
    private final Path workDir;

    DicomIngest(Ingestor ingestor, NiftiReader niftiReader, TriplaneProperties triplane,
            IngestProperties properties) {
        this.ingestor = ingestor;
        this.niftiReader = niftiReader;
        this.reader = new DicomSeriesReader(triplane.limits().readLimits());
        this.workDir = properties.inbox().workDir();
    }

    /** Reads a study with the service's reader (within its read limits). */
    @FunctionalInterface
    interface StudyRead {
        DicomStudy read(DicomSeriesReader reader);
    }

    /**
     * One DICOM drop or upload with the local copies of its labels and prompt file.
     *
     * @param source       what events name: the folder prefix ({@code inbox/t/name/}), the zip key or
     *                     {@code upload:image}
     * @param dropId       the volumeId a refusal of the whole drop is published under (before any series is known)
     * @param study        reads the study
     * @param labels       labels (NIfTI), or null
     * @param labelsSource their name, or null
     * @param prompts      a prompt file or markups, or null
     * @param promptsSource its name, or null
     */
    record DicomScan(String source, String dropId, StudyRead study, Path labels, String labelsSource,
            Path prompts, String promptsSource) {
    }

    /** A CT series written to its canonical NIfTI copy, its pixels no longer held. */
    private record Prepared(Grid grid, DicomSource source, Path image) {
    }

    /**
     * Ingests every CT series of the drop and rejects the refused ones; one result per CT series (accepted ones
     * first), or one rejection of the whole drop when it cannot be read or holds no CT series.
     *
     * @throws IngestUnavailableException when an input cannot be read for a reason of the store or the disk
     */
    List<IngestResult> ingest(DicomScan scan, RequestSpec request) {
        Optional<String> unsafe = ObjectKeys.unsafeName(scan.source());
        if (unsafe.isPresent()) {
            return List.of(ingestor.reject(ObjectKeys.printable(scan.source()), scan.dropId(), Reason.BAD_OBJECT_KEY,
                    "the key " + unsafe.get()));
        }
        if (scan.labels() != null && DicomSeriesReader.isPart10(scan.labels())) {
            return List.of(ingestor.reject(scan.labelsSource(), scan.dropId(), Reason.BAD_MAGIC, SEG_LABELS
                    + ": this labels file is DICOM"));
        }
        List<Prepared> prepared = new ArrayList<>();
        try {
            Map<String, InvalidVolumeException> refused;
            String others;
            try {
                DicomStudy study = scan.study().read(reader);
                if (study.ct().isEmpty() && study.refused().isEmpty()) {
                    return List.of(ingestor.reject(scan.source(), scan.dropId(), Reason.DICOM_NOT_CT,
                            "no CT series; " + describe(study.others())));
                }
                List<String> segs = study.others().entrySet().stream().filter(e -> "SEG".equals(e.getValue()))
                        .map(Map.Entry::getKey).toList();
                if (scan.labels() == null && scan.prompts() == null && !segs.isEmpty()) {
                    return List.of(ingestor.reject(scan.source(), scan.dropId(), Reason.NO_PROMPTS, SEG_LABELS
                            + ": the drop's SEG series " + segs + " gives no prompts; nor do labels or a prompt file"));
                }
                refused = study.refused();
                others = study.others().isEmpty() ? null : describe(study.others());
                for (DicomSeries series : study.ct()) {
                    prepared.add(prepare(series, scan.source()));
                }
            } catch (OutOfMemoryError e) {
                // the pixels held so far are garbage now; the limit refuses this before the heap only when below it
                return List.of(ingestor.reject(scan.source(), scan.dropId(), Reason.RESOURCE_LIMIT, "the drop's"
                        + " images are more than this service's heap holds (triplane.limits.max-voxel-bytes is"
                        + " above it)"));
            } catch (InvalidVolumeException e) {
                if (e.reason().retry() == Reason.Retry.OUTAGE_BACKOFF) {
                    throw new IngestUnavailableException(e.getMessage(), e); // the store or the disk, not the drop
                }
                return List.of(ingestor.reject(scan.source(), scan.dropId(), e.reason(), e.getMessage()));
            }
            List<IngestResult> results = new ArrayList<>();
            for (Prepared series : prepared) {
                results.add(ingest(series, scan, request, others));
            }
            refused.forEach((uid, e) -> results.add(ingestor.reject(scan.source(),
                    ObjectKeys.volumeId(("dicom-series:" + uid).getBytes(StandardCharsets.UTF_8)), e.reason(),
                    "series " + uid + ": " + e.getMessage())));
            return results;
        } finally {
            for (Prepared series : prepared) {
                deleteQuietly(series.image());
            }
        }
    }

    /** Writes the canonical NIfTI copy of a series. */
    private Prepared prepare(DicomSeries series, String source) {
        Path image = null;
        try {
            image = Files.createTempFile(workDir, "dicom", ".nii");
            NiftiWriter.write(image, series.toImageVolume(), NiftiHeader.forGrid(series.grid()));
            return new Prepared(series.grid(), DicomSource.of(series), image);
        } catch (OutOfMemoryError e) {
            deleteQuietly(image);
            throw new InvalidVolumeException(source, Reason.RESOURCE_LIMIT, "series " + series.seriesInstanceUid()
                    + " (" + series.grid() + ") is more than this service's heap holds", e);
        } catch (IOException e) {
            deleteQuietly(image);
            throw new UncheckedIOException("cannot write the NIfTI copy of " + source, e);
        }
    }

    private IngestResult ingest(Prepared series, DicomScan scan, RequestSpec request, String others) {
        Path reoriented = scan.labels() == null ? null : inSeriesOrder(scan.labels(), scan.labelsSource(),
                series.grid());
        try {
            Scan one = new Scan(series.image(), scan.source(), reoriented != null ? reoriented : scan.labels(),
                    scan.labelsSource(), scan.prompts(), scan.promptsSource());
            return ingestor.ingest(one, request, series.source(), others);
        } finally {
            deleteQuietly(reoriented);
        }
    }

    /**
     * A copy of the labels in the series' voxel order when they lie on its world grid in another order; null when
     * they are taken as dropped: already in its order, or unreadable or on another grid (the ingestor refuses
     * those with their reason).
     */
    private Path inSeriesOrder(Path labels, String source, Grid series) {
        int[] ids;
        Grid grid;
        try (InputStream in = Files.newInputStream(labels)) {
            NiftiImage image = niftiReader.read(in, source);
            grid = image.grid();
            if (grid.sameGrid(series, NiftiImage.GRID_TOLERANCE_MM)
                    || !WorldGrid.same(grid, series, NiftiImage.GRID_TOLERANCE_MM)) {
                return null;
            }
            ids = image.toLabelVolume().labels();
        } catch (InvalidVolumeException | IllegalArgumentException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local copy of " + source, e);
        }
        Path copy = null;
        try {
            copy = Files.createTempFile(workDir, "labels", ".nii");
            NiftiWriter.write(copy, new LabelVolume(series, WorldGrid.toVoxelOrder(ids, grid, series)),
                    NiftiHeader.forGrid(series));
            return copy;
        } catch (IOException e) {
            deleteQuietly(copy);
            throw new UncheckedIOException("cannot write the reoriented copy of " + source, e);
        }
    }

    /** Series named by SeriesInstanceUID and modality only. */
    private static String describe(Map<String, String> others) {
        return "other series (not ingested): " + others.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temporary copy left in the work dir costs disk only; the ingest's outcome stands
        }
    }
}
