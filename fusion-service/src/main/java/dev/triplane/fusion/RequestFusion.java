package dev.triplane.fusion;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.SegmentationReady.StructureVoxels;
import dev.triplane.core.fusion.FusionRule;
import dev.triplane.core.fusion.TriAxisFusion;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.storage.NoSuchObjectException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The fusion step of one request, without Kafka: reads the input image (for its grid and header) and the logit
 * volume of every axis result, fuses each structure with {@link TriAxisFusion} on the image's RAS+ grid and
 * encodes the label volume and the uncertainty map as gzip NIfTI on the input grid with the input's header.
 *
 * <p>The output is a function of the inputs only (gzip streams carry no time stamp), so a fusion retried after a
 * crash writes the same bytes under the same keys. Memory: the image, the compact logit volumes of every axis,
 * one float array per axis (reused for every structure) and the fusion's three arrays.
 */
final class RequestFusion {

    /** Reason of a single-axis rule whose axis did not arrive. */
    static final String RULE_AXIS_MISSING = "RULE_AXIS_MISSING";
    /** Reason of an object that does not exist. */
    static final String NO_SUCH_OBJECT = "NO_SUCH_OBJECT";

    private final NiftiReader reader;
    private final ObjectKeys keys;
    private final FusionRule rule;
    private final long maxLogitBytes;

    /**
     * @param maxLogitBytes most bytes the decoded float16 logits of one axis may take
     */
    RequestFusion(NiftiReader reader, ObjectKeys keys, FusionRule rule, long maxLogitBytes) {
        this.reader = reader;
        this.keys = keys;
        this.rule = rule;
        this.maxLogitBytes = maxLogitBytes;
    }

    FusionRule rule() {
        return rule;
    }

    /**
     * The fused outputs of a request and the event announcing them (once they are stored under its keys).
     *
     * @param event        the segmentation event
     * @param segmentation the label volume, {@code .nii.gz} bytes, for {@code event.segmentationKey()}
     * @param uncertainty  the uncertainty map, {@code .nii.gz} bytes, for {@code event.uncertaintyKey()}
     */
    record Fused(SegmentationReady event, byte[] segmentation, byte[] uncertainty) {
    }

    /**
     * Fuses the results that arrived for one request.
     *
     * @param results at most one per axis, all of the same request
     * @param objects opens an object of the store by key; throws {@link NoSuchObjectException} when it is absent
     * @throws BadInputException for the image or a logits object that is missing or invalid, or a
     *     single-axis rule whose axis did not arrive
     * @throws UncheckedIOException when reading fails in a way a retry may cure
     */
    Fused fuse(List<AxisResult> results, Function<String, InputStream> objects) {
        List<AxisResult> byAxis = new ArrayList<>(results);
        byAxis.sort(Comparator.comparing(AxisResult::axis));
        AxisResult first = byAxis.get(0);
        String volumeId = first.volumeId();
        String requestId = first.requestId();
        NiftiImage image = readImage(first.imageKey(), objects);
        Reorientation reorientation = Reorientation.toRas(image.grid());
        Map<Axis, LogitVolume> logits = new EnumMap<>(Axis.class);
        TreeSet<Integer> requested = new TreeSet<>();
        for (AxisResult r : byAxis) {
            LogitVolume volume = readLogits(r, reorientation.target(), objects);
            logits.put(r.axis(), volume);
            requested.addAll(r.structures());
            for (int id : volume.ids()) {
                requested.add(id);
            }
        }
        if (rule.kind() == FusionRule.Kind.SINGLE_AXIS && !logits.containsKey(rule.axis())) {
            throw new BadInputException(keys.logits(volumeId, requestId, rule.axis()), RULE_AXIS_MISSING,
                    "the rule '" + rule.id() + "' needs that axis, only " + logits.keySet() + " arrived", null);
        }
        TriAxisFusion fusion = new TriAxisFusion(reorientation, rule);
        List<Axis> axes = List.copyOf(logits.keySet());
        // one array per axis, reused structure after structure: no garbage to collect in between
        float[][] buffers = new float[axes.size()][reorientation.target().voxelCount()];
        for (int id : requested) {
            // the axes decode side by side: expanding float16 frames into volumes is most of this step
            boolean[] present = new boolean[axes.size()];
            IntStream.range(0, axes.size()).parallel().forEach(a -> {
                LogitVolume volume = logits.get(axes.get(a));
                int index = volume.indexOf(id);
                if (index >= 0) {
                    volume.toVolume(index, buffers[a]);
                    present[a] = true;
                }
            });
            Map<Axis, float[]> perAxis = new EnumMap<>(Axis.class);
            for (int a = 0; a < axes.size(); a++) {
                if (present[a]) {
                    perAxis.put(axes.get(a), buffers[a]);
                }
            }
            // a structure without logits on the rule's axis (or on any axis) keeps 0 voxels
            if (!perAxis.isEmpty() && (rule.kind() != FusionRule.Kind.SINGLE_AXIS
                    || perAxis.containsKey(rule.axis()))) {
                fusion.add(id, perAxis);
            }
        }
        Map<Integer, Integer> counts = fusion.voxelCounts();
        List<StructureVoxels> structures = new ArrayList<>();
        for (int id : requested) {
            structures.add(new StructureVoxels(id, counts.getOrDefault(id, 0)));
        }
        String segmentationKey = keys.segmentation(volumeId, requestId);
        String uncertaintyKey = keys.uncertainty(volumeId, requestId);
        byte[] segmentation;
        byte[] uncertainty;
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            NiftiWriter.write(out, segmentationKey, fusion.labels(), image.header(), true);
            segmentation = out.toByteArray();
            out = new ByteArrayOutputStream();
            NiftiWriter.write(out, uncertaintyKey, fusion.uncertainty(), image.header(), true);
            uncertainty = out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        List<Axis> fused = rule.kind() == FusionRule.Kind.SINGLE_AXIS ? List.of(rule.axis())
                : List.copyOf(logits.keySet());
        boolean partial = !logits.keySet().containsAll(first.requestAxes());
        SegmentationReady event = new SegmentationReady(SegmentationReady.CURRENT_VERSION, volumeId, requestId,
                segmentationKey, uncertaintyKey, first.imageKey(), first.labelsKey(), rule.id(), fused, partial,
                structures, first.datasetTag());
        return new Fused(event, segmentation, uncertainty);
    }

    private NiftiImage readImage(String key, Function<String, InputStream> objects) {
        try {
            return reader.read(open(key, objects), key);
        } catch (InvalidVolumeException e) {
            throw bad(e);
        }
    }

    private LogitVolume readLogits(AxisResult result, Grid rasGrid, Function<String, InputStream> objects) {
        String key = result.logitsKey();
        LogitVolume volume;
        try (InputStream in = open(key, objects)) {
            volume = LogitVolumeCodec.read(in, key, rasGrid, maxLogitBytes);
        } catch (InvalidVolumeException e) {
            throw bad(e);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
        if (volume.axis() != result.axis()) {
            throw new BadInputException(key, InvalidVolumeException.Reason.BAD_HEADER.name(), "holds the "
                    + volume.axis().id() + " axis, the result announced " + result.axis().id(), null);
        }
        for (int id : volume.ids()) {
            if (id <= 0) {
                throw new BadInputException(key, InvalidVolumeException.Reason.BAD_HEADER.name(),
                        "structure id " + id + " is not positive", null);
            }
        }
        return volume;
    }

    private static InputStream open(String key, Function<String, InputStream> objects) {
        try {
            return objects.apply(key);
        } catch (NoSuchObjectException e) {
            throw new BadInputException(key, NO_SUCH_OBJECT, e.getMessage(), e);
        }
    }

    /** Invalid content is bad input; an I/O error while reading (the store's stream broke) may pass on retry. */
    private static RuntimeException bad(InvalidVolumeException e) {
        if (e.reason() == InvalidVolumeException.Reason.IO_ERROR) {
            return new UncheckedIOException(new IOException(e.getMessage(), e));
        }
        return new BadInputException(e.object(), e.reason().name(), e.getMessage(), e);
    }
}
