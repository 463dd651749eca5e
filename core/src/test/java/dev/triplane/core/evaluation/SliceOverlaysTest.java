package dev.triplane.core.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.ImageVolume;
import dev.triplane.core.volume.LabelVolume;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overlays on a 20 x 16 x 10 grid whose i axis points left (affine x column -1, so RAS i' = 19 - i) with 2 mm
 * slices: reference box i 4..9, j 4..9, k 3..6; prediction box i 10..14 on the same rows and slices.
 */
class SliceOverlaysTest {

    static final int NX = 20;
    static final int NY = 16;
    static final int NZ = 10;
    static final int GREY = 0x808080;

    @TempDir
    Path dir;

    static Grid grid() {
        double[] affine = {-1, 0, 0, 19, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1};
        return new Grid(NX, NY, NZ, new double[] {1, 1, 2}, affine);
    }

    /** Writes one slice per axis; the CT is 40 HU, mid-grey in the soft-tissue window. */
    static List<Path> writeOverlays(Path folder, String prefix) throws IOException {
        Grid g = grid();
        float[] ct = new float[g.voxelCount()];
        Arrays.fill(ct, 40f);
        int[] ref = new int[g.voxelCount()];
        int[] pred = new int[g.voxelCount()];
        for (int k = 3; k <= 6; k++) {
            for (int j = 4; j <= 9; j++) {
                for (int i = 4; i <= 14; i++) {
                    (i <= 9 ? ref : pred)[g.index(i, j, k)] = 1;
                }
            }
        }
        return SliceOverlays.write(folder, prefix, new ImageVolume(g, ct), new LabelVolume(g, pred),
                new LabelVolume(g, ref), 1, SliceOverlays.Window.SOFT_TISSUE);
    }

    @Test
    void axialOverlayHasBothContoursWhereTheVoxelsAreAndGreyElsewhere() throws IOException {
        List<Path> files = writeOverlays(dir, "c");
        // the middle of the reference's extent: axial k 3..6 -> 3 + round(1.5) = 5; coronal j 4..9 -> 7;
        // sagittal RAS i' 10..15 -> 13
        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("c-axial-5.png", "c-coronal-7.png", "c-sagittal-13.png");
        BufferedImage axial = ImageIO.read(files.get(0).toFile());
        // axial frame 20 x 16 at 1 mm, enlarged 16x to reach 256 px on the short side
        assertThat(axial.getWidth()).isEqualTo(NX * 16);
        assertThat(axial.getHeight()).isEqualTo(NY * 16);
        // RAS i' = 19 - i and the image column is (w - 1 - i') * 16 = i * 16: voxel i sits in column block i
        assertThat(colour(axial, 4, 4)).isEqualTo(SliceOverlays.REFERENCE_RGB);
        assertThat(colour(axial, 9, 7)).isEqualTo(SliceOverlays.REFERENCE_RGB);
        assertThat(colour(axial, 6, 6)).isEqualTo(GREY);
        assertThat(colour(axial, 10, 4)).isEqualTo(SliceOverlays.PREDICTION_RGB);
        assertThat(colour(axial, 14, 9)).isEqualTo(SliceOverlays.PREDICTION_RGB);
        assertThat(colour(axial, 12, 6)).isEqualTo(GREY);
        assertThat(colour(axial, 17, 12)).isEqualTo(GREY);
    }

    @Test
    void sagittalOverlayKeepsTheSliceProportions() throws IOException {
        BufferedImage sagittal = ImageIO.read(writeOverlays(dir, "c").get(2).toFile());
        // frame j (1 mm) x k (2 mm): 16 x 10 voxels, 16 px per mm
        assertThat(sagittal.getWidth()).isEqualTo(NY * 16);
        assertThat(sagittal.getHeight()).isEqualTo(NZ * 32);
    }

    /** The pixel at the centre of voxel (i, j)'s block of an axial overlay: row (h - 1 - j) * 16. */
    private static int colour(BufferedImage image, int i, int j) {
        return image.getRGB(i * 16 + 8, (NY - 1 - j) * 16 + 8) & 0xFFFFFF;
    }
}
