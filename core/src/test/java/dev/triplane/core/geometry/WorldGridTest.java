package dev.triplane.core.geometry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.dicom.DicomSeries;
import dev.triplane.core.dicom.DicomSeriesReader;
import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class WorldGridTest {

    private static final Fixtures DICOM = Fixtures.of("dicom");

    /** i -> P (flipped), j -> S, k -> L (flipped). */
    private static final Grid PSL = new Grid(4, 5, 6, new double[] {1, 3, 2},
            new double[] {0, 0, -2, 50, -1, 0, 0, 60, 0, 3, 0, -70, 0, 0, 0, 1});

    /** The same voxels in RAS order with the first axis flipped back (LAS), as a converter may store them. */
    private static Grid las() {
        Grid ras = Reorientation.toRas(PSL).target();
        double[] a = ras.affine();
        for (int r = 0; r < 3; r++) {
            a[4 * r + 3] += a[4 * r] * (ras.nx() - 1);
            a[4 * r] = -a[4 * r];
        }
        return new Grid(ras.nx(), ras.ny(), ras.nz(), ras.spacing(), a);
    }

    @Test
    void gridsOfTheSameVoxelsInAnotherOrderAreTheSameWorldGridAndShiftedOnesAreNot() {
        Grid las = las();
        double[] shifted = las.affine();
        shifted[3] += 0.01;

        assertThat(WorldGrid.same(PSL, las, 1e-4)).isTrue();
        assertThat(WorldGrid.same(PSL, Reorientation.toRas(PSL).target(), 1e-4)).isTrue();
        assertThat(PSL.sameGrid(las, 1e-4)).as("not the same voxel order").isFalse();
        assertThat(WorldGrid.same(PSL, new Grid(las.nx(), las.ny(), las.nz(), las.spacing(), shifted), 1e-4))
                .isFalse();
        assertThat(WorldGrid.same(PSL, new Grid(6, 4, 5, PSL.spacing(), PSL.affine()), 1e-4)).isFalse();
    }

    /**
     * dcm2niix's NIfTI of each fixture series (rows flipped, coronal and oblique series permuted) lies on the
     * series' world grid, and its voxels brought to the series' order are the series' own.
     */
    @Test
    void dcm2niixOutputLiesOnItsSeriesWorldGrid() {
        DicomSeriesReader reader = new DicomSeriesReader(ReadLimits.defaults());
        NiftiReader nifti = new NiftiReader(ReadLimits.defaults());
        int checked = 0;
        for (JsonNode c : DICOM.json("cases.json").get("good").values()) {
            if (c.get("dcm2niix").isNull()) {
                continue; // not converted by dcm2niix
            }
            DicomSeries series = reader.read(DICOM.file("series/" + c.get("name").asString()));
            NiftiImage converted = nifti.read(DICOM.file(c.get("dcm2niix").asString()));
            assertThat(WorldGrid.same(converted.grid(), series.grid(), NiftiImage.GRID_TOLERANCE_MM))
                    .as(c.get("name").asString()).isTrue();
            float[] theirs = converted.toImageVolume().voxels();
            int[] index = new int[theirs.length];
            for (int v = 0; v < index.length; v++) {
                index[v] = v;
            }
            int[] moved = WorldGrid.toVoxelOrder(index, converted.grid(), series.grid());
            float[] inSeriesOrder = new float[moved.length];
            for (int v = 0; v < moved.length; v++) {
                inSeriesOrder[v] = theirs[moved[v]];
            }
            assertThat(inSeriesOrder).isEqualTo(series.toImageVolume().voxels());
            checked++;
        }
        assertThat(checked).as("fixture series dcm2niix converted").isGreaterThanOrEqualTo(9);
    }

    @Test
    void valuesBroughtToAnotherVoxelOrderStayAtTheirWorldPosition() {
        Grid las = las();
        int[] index = new int[PSL.voxelCount()];
        for (int v = 0; v < index.length; v++) {
            index[v] = v;
        }
        int[] moved = WorldGrid.toVoxelOrder(index.clone(), PSL, las);

        double[] a = PSL.affine();
        double[] b = las.affine();
        for (int k = 0; k < las.nz(); k++) {
            for (int j = 0; j < las.ny(); j++) {
                for (int i = 0; i < las.nx(); i++) {
                    int src = moved[las.index(i, j, k)];
                    int si = src % PSL.nx();
                    int sj = (src / PSL.nx()) % PSL.ny();
                    int sk = src / (PSL.nx() * PSL.ny());
                    for (int r = 0; r < 3; r++) {
                        assertThat(b[4 * r] * i + b[4 * r + 1] * j + b[4 * r + 2] * k + b[4 * r + 3]).isCloseTo(
                                a[4 * r] * si + a[4 * r + 1] * sj + a[4 * r + 2] * sk + a[4 * r + 3], within(1e-9));
                    }
                }
            }
        }
        assertThat(WorldGrid.toVoxelOrder(moved, las, PSL)).containsExactly(index);
    }
}
