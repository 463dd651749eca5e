package dev.triplane.fusion;

import dev.triplane.core.dicom.DicomSegWriter;
import dev.triplane.core.dicom.DicomSource;
import dev.triplane.core.dicom.SegmentCodes;
import dev.triplane.core.events.Reason;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.storage.NoSuchObjectException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fused labels of a request as a DICOM SEG, when its volume came from a DICOM series: ingest then keeps the
 * series' {@link DicomSource} at {@link ObjectKeys#dicomSource} and stores the canonical image in the series' own
 * voxel order, so the labels (on the image's grid) are the SEG's frames as they are. The SEG is streamed to a work
 * file one frame at a time ({@link DicomSegWriter}), which the step stores beside the NIfTI; its memory beyond the
 * label array the fusion holds anyway is a bit per structure and slice. Its UIDs derive from the volume and request,
 * so a retried fusion writes the same bytes.
 */
final class DicomSegOutput {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SegmentCodes CODES = SegmentCodes.totalSegmentatorV2();

    private final ObjectKeys keys;

    DicomSegOutput(ObjectKeys keys) {
        this.keys = keys;
    }

    /**
     * Writes the SEG of {@code labels} to {@code file}.
     *
     * @param model the SAM2 model the axes ran (null when the results did not say)
     * @return whether a SEG was written: false when the volume did not come from DICOM or no structure was found
     *     (a SEG needs at least one segment)
     * @throws BadInputException when the volume's DicomSource is not valid JSON of one, or not on the labels' grid
     * @throws IOException when writing the file fails
     */
    boolean write(String volumeId, String requestId, LabelVolume labels, String model,
            Function<String, InputStream> objects, Path file) throws IOException {
        String key = keys.dicomSource(volumeId);
        DicomSource source;
        try (InputStream in = objects.apply(key)) {
            source = JSON.readValue(in, DicomSource.class);
        } catch (NoSuchObjectException e) {
            return false;
        } catch (JacksonException | IllegalArgumentException e) {
            throw new BadInputException(key, Reason.BAD_HEADER, "not a DicomSource: " + e.getMessage(), e);
        }
        DicomSegWriter.Layout layout = DicomSegWriter.layout(labels);
        if (layout.isEmpty()) {
            return false;
        }
        DicomSegWriter writer = new DicomSegWriter(CODES, DicomSegWriter.Equipment.thisBuild(model));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            writer.write(out, labels, layout, source, volumeId + "/" + requestId);
        } catch (IllegalArgumentException e) {
            // the layout is not empty: the writer refuses only labels off the series' grid, before writing
            throw new BadInputException(key, Reason.GRID_MISMATCH, e.getMessage(), e);
        }
        return true;
    }
}
