package dev.triplane.core.prompts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.Reorientation;
import dev.triplane.core.labels.FrameMask;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabelPromptsTest {

    /** 12 x 10 x 8 RAS grid; structure 3 is the box i 2..8, j 3..6 on slices k 2..5, with a hole at k 4. */
    private static LabelVolume boxes() {
        Grid grid = Grid.ofSpacing(12, 10, 8, 0.7, 0.7, 2.5);
        int[] labels = new int[grid.voxelCount()];
        for (int k = 2; k <= 5; k++) {
            for (int j = 3; j <= 6; j++) {
                for (int i = 2; i <= 8; i++) {
                    labels[grid.index(i, j, k)] = k == 4 && i > 6 ? 9 : 3;
                }
            }
        }
        return new LabelVolume(grid, labels);
    }

    @Test
    void defaultsPutBoxesOnTheEndsOfTheExtent() {
        StructurePrompts sp = LabelPrompts.derive(boxes(), 3, Axis.AXIAL, DerivationOptions.defaults()).orElseThrow();
        assertThat(sp.frames()).containsExactly(2, 5);
        assertThat(sp.range()).isEqualTo(new FrameRange(0, 7));
        FramePrompt first = sp.prompts().get(0);
        assertThat(first.box()).isEqualTo(new BoxPrompt(2, 3, 8, 6));
        assertThat(first.points()).isEmpty();
        assertThat(first.hasMask()).isFalse();
        // coronal: slices are j; the frame is (i, k), the structure spans k 2..5
        StructurePrompts coronal = LabelPrompts.derive(boxes(), 3, Axis.CORONAL, DerivationOptions.defaults())
                .orElseThrow();
        assertThat(coronal.frames()).containsExactly(3, 6);
        assertThat(coronal.range()).isEqualTo(new FrameRange(1, 8));
        assertThat(coronal.prompts().get(0).box()).isEqualTo(new BoxPrompt(2, 2, 8, 5));
    }

    @Test
    void pointMaskAndNegativeClicks() {
        DerivationOptions options = DerivationOptions.defaults()
                .withKinds(EnumSet.of(PromptKind.POINT, PromptKind.MASK, PromptKind.BOX))
                .withBudget(3, SliceSelector.EXTENT_ENDS)
                .withNegativePoints(3, 2);
        StructurePrompts sp = LabelPrompts.derive(boxes(), 3, Axis.AXIAL, options).orElseThrow();
        // 2 + 1.5 -> 4 (half up)
        assertThat(sp.frames()).containsExactly(2, 4, 5);
        FramePrompt middle = sp.prompts().get(1);
        // at k 4 the structure is i 2..6: box, mask and the farthest interior point follow it
        assertThat(middle.box()).isEqualTo(new BoxPrompt(2, 3, 6, 6));
        assertThat(middle.mask().area()).isEqualTo(5 * 4);
        assertThat(middle.mask().pixels()[7 + 12 * 4]).isFalse();
        // in the rectangle x 2..6, y 3..6 the pixels x 3..5 of rows 4 and 5 are 2 from the background;
        // the first in row-major order wins
        assertThat(middle.points().get(0)).isEqualTo(new PointPrompt(3, 4, true));
        // box grown by 2: x 0..8, y 1..8; every corner is background, equally far (sqrt 8): corner order
        assertThat(middle.points().subList(1, 4)).containsExactly(new PointPrompt(0, 1, false),
                new PointPrompt(8, 1, false), new PointPrompt(0, 8, false));
    }

    @Test
    void negativeClicksPreferTheFarthestCornerAndSkipTheStructure() {
        // an L shape in a 6 x 5 frame: its box's bottom-right corner is background, top-left is on it
        boolean[] px = new boolean[30];
        for (int x = 0; x < 4; x++) {
            px[x + 6 * 1] = true;
        }
        for (int y = 1; y < 5; y++) {
            px[0 + 6 * y] = true;
        }
        FrameMask mask = new FrameMask(6, 5, px);
        List<PointPrompt> negatives = LabelPrompts.negativePoints(mask, mask.boundingBox().orElseThrow(), 4, 1);
        // grown box x 0..4, y 0..4 (clamped); from the nearest structure pixel (4, 4) is sqrt 10 away,
        // (4, 0) sqrt 2, (0, 0) 1, and (0, 4) is on the structure
        assertThat(negatives).containsExactly(new PointPrompt(4, 4, false), new PointPrompt(4, 0, false),
                new PointPrompt(0, 0, false));
    }

    @Test
    void absentStructureHasNoPrompts() {
        assertThat(LabelPrompts.derive(boxes(), 4, Axis.SAGITTAL, DerivationOptions.defaults())).isEmpty();
        List<StructurePrompts> all = LabelPrompts.deriveAll(boxes(), new int[] {3, 4, 9}, List.of(Axis.values()),
                DerivationOptions.defaults());
        assertThat(all).extracting(StructurePrompts::structureId).containsExactly(3, 3, 3, 9, 9, 9);
    }

    @Test
    void sampleLiverBoxMatchesNumpy() {
        // numpy on samples/example_seg.nii.gz (RAS): liver (5) at axial k 15 spans i 45..104, j 26..84; the
        // structure spans k 0..29 of 30
        LabelVolume seg = new NiftiReader(ReadLimits.defaults())
                .read(Path.of("..", "samples", "example_seg.nii.gz")).toLabelVolume();
        LabelVolume ras = Reorientation.toRas(seg.grid()).forward(seg);
        StructurePrompts sp = LabelPrompts.derive(ras, 5, Axis.AXIAL,
                DerivationOptions.defaults().withBudget(3, SliceSelector.EXTENT_ENDS)).orElseThrow();
        assertThat(sp.frames()).containsExactly(0, 15, 29);
        assertThat(sp.range()).isEqualTo(new FrameRange(0, 29));
        assertThat(sp.prompts().get(1).box()).isEqualTo(new BoxPrompt(45, 26, 104, 84));
    }
}
