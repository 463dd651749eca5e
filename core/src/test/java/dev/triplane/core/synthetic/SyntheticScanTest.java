package dev.triplane.core.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Orientation;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.nifti.NiftiHeader;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.volume.Grid;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The warm-up scan is a valid CT-like NIfTI pair, and a header made for a grid describes exactly that grid. */
class SyntheticScanTest {

    private final NiftiReader reader = new NiftiReader(ReadLimits.defaults());

    @Test
    void imageAndLabelsReadBackOnOneLpsGridWithEveryStructure() {
        SyntheticScan scan = SyntheticScan.create();
        NiftiImage image = reader.read(new ByteArrayInputStream(scan.imageNifti()), "image");
        NiftiImage labels = reader.read(new ByteArrayInputStream(scan.labelsNifti()), "labels");

        assertThat(image.grid()).isEqualTo(scan.image().grid());
        assertThat(labels.grid()).isEqualTo(image.grid());
        assertThat(Orientation.of(image.grid().affine()).axisCodes()).isEqualTo("LPS");
        assertThat(image.toImageVolume().voxels()).containsExactly(scan.image().voxels());
        int[] ids = labels.toLabelVolume().labels();
        assertThat(ids).containsExactly(scan.labels().labels());
        for (int id : SyntheticScan.STRUCTURES) {
            long voxels = Arrays.stream(ids).filter(v -> v == id).count();
            assertThat(voxels).as("structure %d", id).isGreaterThan(100);
        }
        assertThat(Arrays.stream(ids).filter(v -> v != 0).distinct().sorted().toArray())
                .containsExactly(SyntheticScan.STRUCTURES);
    }

    @Test
    void logitsOfEveryAxisAgreeWithTheLabelsOnTheRasGrid() {
        SyntheticScan scan = SyntheticScan.create();
        Reorientation toRas = Reorientation.toRas(scan.labels().grid());
        int[] ras = toRas.forward(scan.labels().labels());
        for (Axis axis : Axis.values()) {
            LogitVolume logits = scan.logits(axis);
            assertThat(logits.grid()).isEqualTo(toRas.target());
            for (int s = 0; s < SyntheticScan.STRUCTURES.length; s++) {
                int id = SyntheticScan.STRUCTURES[s];
                float[] volume = logits.toVolume(logits.indexOf(id));
                for (int v = 0; v < ras.length; v++) {
                    if (ras[v] == id) {
                        assertThat(volume[v]).as("%s, structure %d, voxel %d", axis, id, v)
                                .isEqualTo(SyntheticScan.INSIDE_LOGIT);
                    } else {
                        assertThat(volume[v]).isIn(-SyntheticScan.INSIDE_LOGIT, LogitVolume.ABSENT);
                    }
                }
                assertThat(logits.last(s) - logits.first(s) + 1).as("%s frames of %d", axis, id)
                        .isLessThan(logits.frames().frameCount());
            }
        }
    }

    @Test
    void headerForAGridCarriesItsAffineAsTheSform() {
        double[] affine = {0, 0, 2, -5, -0.7, 0, 0, 3, 0, 0.9, 0, 1.5, 0, 0, 0, 1};
        Grid grid = new Grid(5, 4, 3, new double[] {0.7, 0.9, 2}, affine);
        NiftiHeader header = NiftiHeader.forGrid(grid);

        assertThat(header.version()).isEqualTo(1);
        assertThat(header.sformCode()).isEqualTo(1);
        assertThat(header.qformCode()).isZero();
        assertThat(header.xyztUnits()).isEqualTo(2);
        assertThat(header.grid().sameGrid(grid, 1e-6)).isTrue();
    }
}
