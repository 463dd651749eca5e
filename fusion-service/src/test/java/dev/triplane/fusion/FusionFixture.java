package dev.triplane.fusion;

import dev.triplane.core.dicom.DicomSegWriter;
import dev.triplane.core.dicom.DicomSource;
import dev.triplane.core.dicom.SegmentCodes;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.CascadeStage;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.NiftiWriter;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import dev.triplane.infra.ObjectKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A hand-made request on a non-RAS, anisotropic, oblique grid (the 7x6x5 grid of core's {@code qform_only.nii}
 * fixture: spacing 1.1 x 0.95 x 2.5 mm, k pointing mostly inferior), with logits that make a known answer:
 * structure {@value #LIVER} is the box {@code i in 1..3, j in 2..4, k in 1..3} of the input grid, structure
 * {@value #SPLEEN} the voxel {@link #SPLEEN_VOXEL}; every axis agrees (+8 inside, -8 outside) except the axial
 * axis, which says -8 at {@link #DISPUTED_VOXEL} (inside the liver box): the mean keeps it in the liver, and it is
 * the only voxel with axis disagreement. Objects are built in memory under the layout's keys.
 */
final class FusionFixture {

    static final int LIVER = 5;
    static final int SPLEEN = 1;
    /** The patient of {@link #dicomSource}: in the SEG, never in an event. */
    static final String PATIENT_NAME = "Fixture^Seg";
    static final Path TEMPLATE = Path.of("..", "core", "src", "test", "resources", "fixtures", "nifti",
            "qform_only.nii");
    static final NiftiImage TEMPLATE_IMAGE = new NiftiReader(ReadLimits.defaults()).read(TEMPLATE);
    static final Grid GRID = TEMPLATE_IMAGE.grid();
    static final Grid RAS_GRID = Reorientation.toRas(GRID).target();
    static final int SPLEEN_VOXEL = GRID.index(5, 0, 4);
    static final int DISPUTED_VOXEL = GRID.index(2, 3, 2);
    private static final ObjectKeys KEYS = ObjectKeys.load();

    final String volumeId;
    final String requestId;
    /** Object key -> bytes: the image and one logit volume per axis. */
    final Map<String, byte[]> objects = new LinkedHashMap<>();

    FusionFixture(String requestId) {
        this(randomVolumeId(), requestId);
    }

    FusionFixture(String volumeId, String requestId) {
        this.volumeId = volumeId;
        this.requestId = requestId;
        float[] hu = new float[GRID.voxelCount()];
        for (int v = 0; v < hu.length; v++) {
            hu[v] = v * 3 - 100;
        }
        ByteArrayOutputStream image = new ByteArrayOutputStream();
        write(() -> NiftiWriter.write(image, "image", new ImageVolume(GRID, hu), TEMPLATE_IMAGE.header(), true));
        objects.put(KEYS.image(volumeId), image.toByteArray());
        Reorientation ras = Reorientation.toRas(GRID);
        for (Axis axis : Axis.values()) {
            float[] liver = new float[GRID.voxelCount()];
            float[] spleen = new float[GRID.voxelCount()];
            for (int k = 0; k < GRID.nz(); k++) {
                for (int j = 0; j < GRID.ny(); j++) {
                    for (int i = 0; i < GRID.nx(); i++) {
                        boolean inLiver = i >= 1 && i <= 3 && j >= 2 && j <= 4 && k >= 1 && k <= 3;
                        liver[GRID.index(i, j, k)] = inLiver ? 8 : -8;
                        spleen[GRID.index(i, j, k)] = -8;
                    }
                }
            }
            spleen[SPLEEN_VOXEL] = 8;
            if (axis == Axis.AXIAL) {
                liver[DISPUTED_VOXEL] = -8;
            }
            objects.put(KEYS.logits(volumeId, requestId, axis), logits(ras.target(), axis,
                    new int[] {SPLEEN, LIVER}, new float[][] {ras.forward(spleen), ras.forward(liver)}));
        }
    }

    /** The expected fused labels on the input grid. */
    static int[] expectedLabels() {
        int[] labels = new int[GRID.voxelCount()];
        for (int k = 1; k <= 3; k++) {
            for (int j = 2; j <= 4; j++) {
                for (int i = 1; i <= 3; i++) {
                    labels[GRID.index(i, j, k)] = LIVER;
                }
            }
        }
        labels[SPLEEN_VOXEL] = SPLEEN;
        return labels;
    }

    /**
     * The series a DICOM-read volume on {@link #GRID} would come from ({@code rows} x {@link #GRID}'s columns and
     * slices), with a patient name and id no event may carry.
     */
    static DicomSource dicomSource(int rows) {
        String root = "1.2.826.0.1.3680043.10.1561.99";
        List<DicomSource.Instance> images = new ArrayList<>();
        for (int k = 0; k < GRID.nz(); k++) {
            images.add(new DicomSource.Instance("1.2.840.10008.5.1.4.1.1.2", root + ".4." + (k + 1)));
        }
        return new DicomSource(DicomSource.CURRENT_VERSION, root + ".1", root + ".2", root + ".3", rows, GRID.nx(),
                images, Map.of("PATIENT_NAME", PATIENT_NAME, "PATIENT_ID", "SEG-FIXTURE-ID"));
    }

    /** The DICOM SEG of {@link #expectedLabels()} for this request, as fusion must write it. */
    byte[] expectedSeg(String model) {
        LabelVolume labels = new LabelVolume(GRID, expectedLabels());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(() -> new DicomSegWriter(SegmentCodes.totalSegmentatorV2(), DicomSegWriter.Equipment.thisBuild(model))
                .write(out, labels, DicomSegWriter.layout(labels), dicomSource(GRID.ny()), volumeId + "/" + requestId));
        return out.toByteArray();
    }

    /** The result of one axis, as a worker publishes it. */
    AxisResult result(Axis axis) {
        return result(axis, CascadeStage.single(List.of(Axis.values())));
    }

    /** The result of one axis in a stage of the request (a second stage's logits are the fixture's too). */
    AxisResult result(Axis axis, CascadeStage stage) {
        return new AxisResult(AxisResult.CURRENT_VERSION, volumeId, requestId, axis, List.of(Axis.values()),
                KEYS.logits(volumeId, requestId, axis), KEYS.image(volumeId), null, List.of(SPLEEN, LIVER),
                RAS_GRID.shape()[axis.arrayAxis()], new AxisResult.Timings(1, 2, 3, 6), "test-worker", "fusion-test",
                AxisResult.Outcome.SEGMENTED, null, stage);
    }

    /** A logit volume holding every frame of each structure, stored as float16. */
    static byte[] logits(Grid rasGrid, Axis axis, int[] ids, float[][] volumes) {
        int frames = rasGrid.shape()[axis.arrayAxis()];
        int[] firsts = new int[ids.length];
        int[] lasts = new int[ids.length];
        Arrays.fill(lasts, frames - 1);
        LogitVolume volume = new LogitVolume(rasGrid, axis, ids, firsts, lasts);
        float[] frame = new float[volume.frames().frameSize()];
        for (int s = 0; s < ids.length; s++) {
            for (int t = 0; t < frames; t++) {
                volume.frames().copyFrame(volumes[s], t, frame);
                volume.putFrame(s, t, frame);
            }
        }
        return LogitVolumeCodec.toBytes(volume, LogitVolumeCodec.Encoding.FLOAT16);
    }

    static String randomVolumeId() {
        return (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    }

    private interface Write {
        void run() throws IOException;
    }

    private static void write(Write write) {
        try {
            write.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
