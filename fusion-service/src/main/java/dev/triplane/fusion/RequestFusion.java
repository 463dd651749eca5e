package dev.triplane.fusion;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.SegmentationReady.StructureVoxels;
import dev.triplane.core.fusion.FusionRule;
import dev.triplane.core.fusion.TriAxisFusion;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.propagation.AxisLogits;
import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.storage.NoSuchObjectException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The fusion step of one request, without Kafka: reads the input image's header (for its grid), copies the logits
 * object of every axis result to a local work file and opens it frame by frame, fuses each structure with
 * {@link TriAxisFusion} on the image's RAS+ grid, and writes the label volume and the uncertainty map as gzip
 * NIfTI files on the input grid with the input's header, and, when the volume came from a DICOM series, the labels
 * as a DICOM SEG of it ({@link DicomSegOutput}).
 *
 * <p>The output is a function of the inputs only (gzip streams carry no time stamp), so a fusion retried after a
 * crash writes the same bytes under the same keys. Memory: the fusion's label, score and uncertainty arrays, one
 * float16 array per axis as large as the largest structure's box, and the logits' frame indexes; never the
 * logits of all structures (see {@link dev.triplane.core.propagation.StoredLogits}).
 */
final class RequestFusion {

    private final NiftiReader reader;
    private final ObjectKeys keys;
    private final FusionRule rule;
    private final long maxLogitBytes;
    private final Path workDir;
    private final boolean scrubHeaderText;
    private final DicomSegOutput dicomSeg;

    /**
     * @param maxLogitBytes   most bytes the decoded logits of one axis may take when stored whole (format 1)
     * @param workDir         where the logits and the outputs of a request are kept while it is fused
     * @param scrubHeaderText whether the results' headers leave out the input's free text
     *                        ({@code triplane.privacy.scrub-header-text})
     */
    RequestFusion(NiftiReader reader, ObjectKeys keys, FusionRule rule, long maxLogitBytes, Path workDir,
            boolean scrubHeaderText) {
        this.reader = reader;
        this.keys = keys;
        this.rule = rule;
        this.maxLogitBytes = maxLogitBytes;
        this.workDir = workDir;
        this.scrubHeaderText = scrubHeaderText;
        this.dicomSeg = new DicomSegOutput(keys);
    }

    FusionRule rule() {
        return rule;
    }

    /**
     * The fused outputs of a request, in work files, and the event announcing them (once they are stored under
     * its keys). Closing deletes the files.
     *
     * @param event        the segmentation event
     * @param segmentation the label volume, {@code .nii.gz}, for {@code event.segmentationKey()}
     * @param uncertainty  the uncertainty map, {@code .nii.gz}, for {@code event.uncertaintyKey()}
     * @param dicomSegmentation the labels as a DICOM SEG, for {@code event.dicomSegmentationKey()}; null when the
     *                     event names none
     */
    record Fused(SegmentationReady event, Path segmentation, Path uncertainty, Path dicomSegmentation)
            implements AutoCloseable {

        @Override
        public void close() {
            deleteQuietly(segmentation);
            deleteQuietly(uncertainty);
            if (dicomSegmentation != null) {
                deleteQuietly(dicomSegmentation);
            }
        }
    }

    /**
     * Fuses the results that arrived for one request.
     *
     * @param results at most one per axis, all of the same request
     * @param objects opens an object of the store by key; throws {@link NoSuchObjectException} when it is absent
     * @throws BadInputException for the image or a logits object that is missing or invalid, or a
     *     single-axis rule whose axis did not arrive
     * @throws UncheckedIOException when reading or writing fails in a way a retry may cure
     */
    Fused fuse(List<AxisResult> results, Function<String, InputStream> objects) {
        List<AxisResult> byAxis = new ArrayList<>(results);
        byAxis.sort(Comparator.comparing(AxisResult::axis));
        AxisResult first = byAxis.get(0);
        String volumeId = first.volumeId();
        String requestId = first.requestId();
        NiftiHeader input = readImageHeader(first.imageKey(), objects);
        NiftiHeader image = scrubHeaderText ? input.withoutText() : input;
        Reorientation reorientation = Reorientation.toRas(image.grid());
        TreeSet<Integer> requested = new TreeSet<>();
        TriAxisFusion fusion = fuseAxes(byAxis, reorientation, objects, requested);
        List<Path> work = new ArrayList<>();
        try {
            Map<Integer, Integer> counts = fusion.voxelCounts();
            List<StructureVoxels> structures = new ArrayList<>();
            for (int id : requested) {
                structures.add(new StructureVoxels(id, counts.getOrDefault(id, 0)));
            }
            String segmentationKey = keys.segmentation(volumeId, requestId);
            String uncertaintyKey = keys.uncertainty(volumeId, requestId);
            Path segmentation = workFile("segmentation-", work);
            Path uncertainty = workFile("uncertainty-", work);
            LabelVolume labels = fusion.labels();
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(segmentation), 1 << 16)) {
                NiftiWriter.write(out, segmentationKey, labels, image, true);
            }
            Path dicomSegmentation = workFile("segmentation-dcm-", work);
            String model = byAxis.stream().map(AxisResult::model).filter(m -> m != null).findFirst().orElse(null);
            String dicomSegmentationKey = dicomSeg.write(volumeId, requestId, labels, model, objects,
                    dicomSegmentation) ? keys.dicomSegmentation(volumeId, requestId) : null;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(uncertainty), 1 << 16)) {
                NiftiWriter.write(out, uncertaintyKey, fusion.uncertainty(), image, true);
            }
            List<Axis> arrived = byAxis.stream().map(AxisResult::axis).toList();
            List<Axis> fused = rule.kind() == FusionRule.Kind.SINGLE_AXIS ? List.of(rule.axis()) : arrived;
            boolean partial = !arrived.containsAll(first.requestAxes());
            SegmentationReady event = new SegmentationReady(SegmentationReady.CURRENT_VERSION, volumeId, requestId,
                    segmentationKey, uncertaintyKey, first.imageKey(), first.labelsKey(), rule.id(), fused, partial,
                    structures, first.datasetTag(), dicomSegmentationKey, 1);
            work.removeAll(List.of(segmentation, uncertainty));
            if (dicomSegmentationKey == null) {
                return new Fused(event, segmentation, uncertainty, null);
            }
            work.remove(dicomSegmentation);
            return new Fused(event, segmentation, uncertainty, dicomSegmentation);
        } catch (IOException e) {
            throw new UncheckedIOException("fusing " + volumeId + "/" + requestId + ": " + e.getMessage(), e);
        } finally {
            work.forEach(RequestFusion::deleteQuietly);
        }
    }

    /**
     * The fused labels of a cascade's first stage on the image's RAS+ grid, where its second stage's prompts are
     * derived; nothing is written.
     *
     * @throws BadInputException as {@link #fuse}
     * @throws UncheckedIOException as {@link #fuse}
     */
    LabelVolume fuseRas(List<AxisResult> results, Function<String, InputStream> objects) {
        AxisResult first = results.get(0);
        Reorientation reorientation = Reorientation.toRas(readImageHeader(first.imageKey(), objects).grid());
        return fuseAxes(results, reorientation, objects, new TreeSet<>()).rasLabels();
    }

    /**
     * Opens every result's logits and fuses each structure they hold into a new fusion; the logits' work files are
     * deleted before it returns.
     *
     * @param requested filled with the structures fused: those the results announce and those their logits hold
     */
    private TriAxisFusion fuseAxes(List<AxisResult> results, Reorientation reorientation,
            Function<String, InputStream> objects, TreeSet<Integer> requested) {
        AxisResult first = results.get(0);
        Map<Axis, AxisLogits> logits = new EnumMap<>(Axis.class);
        List<Path> work = new ArrayList<>();
        try {
            for (AxisResult r : results) {
                AxisLogits volume = openLogits(r, reorientation.target(), objects, work);
                logits.put(r.axis(), volume);
                requested.addAll(r.structures());
                for (int id : volume.ids()) {
                    requested.add(id);
                }
            }
            if (rule.kind() == FusionRule.Kind.SINGLE_AXIS && !logits.containsKey(rule.axis())) {
                throw new BadInputException(keys.logits(first.volumeId(), first.requestId(), rule.axis()),
                        Reason.RULE_AXIS_MISSING, "the rule '" + rule.id() + "' needs that axis, only "
                        + logits.keySet() + " arrived", null);
            }
            TriAxisFusion fusion = new TriAxisFusion(reorientation, rule);
            try {
                for (int id : requested) {
                    fusion.add(id, logits);
                }
            } catch (InvalidVolumeException e) {
                throw BadInputException.of(e);
            }
            return fusion;
        } catch (IOException e) {
            throw new UncheckedIOException("fusing " + first.volumeId() + "/" + first.requestId() + ": "
                    + e.getMessage(), e);
        } finally {
            logits.values().forEach(AxisLogits::close);
            work.forEach(RequestFusion::deleteQuietly);
        }
    }

    private NiftiHeader readImageHeader(String key, Function<String, InputStream> objects) {
        try {
            return reader.readHeader(open(key, objects), key);
        } catch (InvalidVolumeException e) {
            throw BadInputException.of(e);
        }
    }

    /** Copies a logits object to a work file and opens it on the RAS grid, checking what the result announced. */
    private AxisLogits openLogits(AxisResult result, Grid rasGrid, Function<String, InputStream> objects,
            List<Path> work) throws IOException {
        String key = result.logitsKey();
        Path file = workFile("logits-", work);
        try (InputStream in = open(key, objects)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        AxisLogits volume;
        try {
            volume = LogitVolumeCodec.open(file, key, rasGrid, maxLogitBytes);
        } catch (InvalidVolumeException e) {
            throw BadInputException.of(e);
        }
        try {
            if (volume.axis() != result.axis()) {
                throw new BadInputException(key, Reason.BAD_HEADER, "holds the "
                        + volume.axis().id() + " axis, the result announced " + result.axis().id(), null);
            }
            for (int id : volume.ids()) {
                if (id <= 0) {
                    throw new BadInputException(key, Reason.BAD_HEADER,
                            "structure id " + id + " is not positive", null);
                }
            }
        } catch (BadInputException e) {
            volume.close();
            throw e;
        }
        return volume;
    }

    private Path workFile(String prefix, List<Path> work) throws IOException {
        Files.createDirectories(workDir);
        Path file = Files.createTempFile(workDir, prefix, ".tmp");
        work.add(file);
        return file;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a leftover work file is harmless: the work folder is temporary
        }
    }

    private static InputStream open(String key, Function<String, InputStream> objects) {
        try {
            return objects.apply(key);
        } catch (NoSuchObjectException e) {
            throw new BadInputException(key, Reason.NO_SUCH_OBJECT, e.getMessage(), e);
        }
    }
}
