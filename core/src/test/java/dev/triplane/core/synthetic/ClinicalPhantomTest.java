package dev.triplane.core.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.geometry.Orientation;
import dev.triplane.core.nifti.NiftiDatatype;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scale benchmark's phantom: every structure present, sizes from tiny to large, a non-RAS grid on disk. */
class ClinicalPhantomTest {

    private static final int STRUCTURES = 40;

    @TempDir
    Path dir;

    @Test
    void holdsExactlyTheRequestedStructuresFromTinyToManySlicesSomeTouching() {
        ClinicalPhantom phantom = ClinicalPhantom.generate(128, 112, 48, STRUCTURES, 7);
        Grid grid = phantom.grid();

        long[] counts = phantom.voxelCounts();
        assertThat(counts).hasSize(STRUCTURES + 1);
        assertThat(Arrays.stream(counts, 1, counts.length)).allMatch(c -> c > 0);
        long smallest = Arrays.stream(counts, 1, counts.length).min().orElseThrow();
        long largest = Arrays.stream(counts, 1, counts.length).max().orElseThrow();
        assertThat(smallest).as("a tiny structure").isLessThanOrEqualTo(20);
        assertThat(largest).as("a large organ").isGreaterThan(1000 * smallest);

        int[] firstSlice = new int[STRUCTURES + 1];
        int[] lastSlice = new int[STRUCTURES + 1];
        Arrays.fill(firstSlice, Integer.MAX_VALUE);
        boolean touching = false;
        for (int k = 0; k < grid.nz(); k++) {
            for (int j = 0; j < grid.ny(); j++) {
                for (int i = 0; i < grid.nx(); i++) {
                    int id = phantom.label(grid.index(i, j, k));
                    if (id != 0) {
                        firstSlice[id] = Math.min(firstSlice[id], k);
                        lastSlice[id] = k;
                        int right = i + 1 < grid.nx() ? phantom.label(grid.index(i + 1, j, k)) : 0;
                        touching |= right != 0 && right != id;
                    }
                }
            }
        }
        int longest = 0;
        for (int id = 1; id <= STRUCTURES; id++) {
            longest = Math.max(longest, lastSlice[id] - firstSlice[id] + 1);
        }
        assertThat(longest).as("slices of the longest structure").isGreaterThan(grid.nz() / 3);
        assertThat(touching).as("two structures share a boundary").isTrue();
        assertThat(phantom.hu(0)).as("air in the corner").isLessThan((short) -950);
    }

    @Test
    void dependsOnTheSeedAlone() {
        ClinicalPhantom a = ClinicalPhantom.generate(64, 64, 24, 12, 3);
        ClinicalPhantom b = ClinicalPhantom.generate(64, 64, 24, 12, 3);
        ClinicalPhantom other = ClinicalPhantom.generate(64, 64, 24, 12, 4);
        boolean differs = false;
        for (int v = 0; v < a.grid().voxelCount(); v++) {
            assertThat(b.hu(v)).isEqualTo(a.hu(v));
            assertThat(b.label(v)).isEqualTo(a.label(v));
            differs |= other.label(v) != a.label(v);
        }
        assertThat(differs).isTrue();
    }

    @Test
    void writesInt16ImageAndUint8LabelsOnAnAnisotropicLpsGridThatReadBackExactly() throws IOException {
        ClinicalPhantom phantom = ClinicalPhantom.generate(96, 80, 20, STRUCTURES, 11);
        Path imageFile = dir.resolve("phantom.nii.gz");
        Path labelsFile = dir.resolve("phantom_seg.nii.gz");
        phantom.write(imageFile, labelsFile);

        NiftiReader reader = new NiftiReader(ReadLimits.defaults());
        NiftiImage image = reader.read(imageFile);
        NiftiImage labels = reader.read(labelsFile);
        assertThat(image.grid()).isEqualTo(phantom.grid());
        assertThat(labels.grid()).isEqualTo(phantom.grid());
        assertThat(Orientation.of(image.grid().affine()).axisCodes()).isEqualTo("LPS");
        assertThat(image.grid().spacing()[2]).isGreaterThan(3 * image.grid().spacing()[0]);
        assertThat(image.datatype()).isEqualTo(NiftiDatatype.INT16);
        assertThat(labels.datatype()).isEqualTo(NiftiDatatype.UINT8);
        for (int v = 0; v < phantom.grid().voxelCount(); v++) {
            assertThat(image.voxel(v)).isEqualTo(phantom.hu(v));
            assertThat(labels.voxel(v)).isEqualTo(phantom.label(v));
        }
    }
}
