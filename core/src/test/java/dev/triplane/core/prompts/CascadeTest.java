package dev.triplane.core.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CascadeTest {

    private static final List<Axis> ALL = List.of(Axis.values());

    /** A user's box on one slice of {@code axis}. */
    private static StructurePrompts box(int id, Axis axis, int slice) {
        return new StructurePrompts(id, axis, new FrameRange(0, 7),
                List.of(new FramePrompt(id, axis, slice, List.of(), new BoxPrompt(1, 1, 3, 3), null)));
    }

    /** A stage-1 fusion on a 12 x 10 x 8 RAS grid: structure 3 fills i 2..8, j 3..6, k 2..5; structure 9 is absent. */
    private static LabelVolume firstStage() {
        Grid grid = Grid.ofSpacing(12, 10, 8, 0.7, 0.7, 2.5);
        int[] labels = new int[grid.voxelCount()];
        for (int k = 2; k <= 5; k++) {
            for (int j = 3; j <= 6; j++) {
                for (int i = 2; i <= 8; i++) {
                    labels[grid.index(i, j, k)] = 3;
                }
            }
        }
        return new LabelVolume(grid, labels);
    }

    @Test
    void oneAxialSlicePerStructureRunsAxialFirstThenTheOtherTwo() {
        Cascade.Split split = Cascade.split(List.of(box(3, Axis.AXIAL, 4), box(9, Axis.AXIAL, 2)), new int[] {3, 9},
                ALL);

        assertThat(split.cascades()).isTrue();
        assertThat(split.firstStage()).isEqualTo(Map.of(Axis.AXIAL, List.of(3, 9)));
        assertThat(split.secondStage()).containsExactly(Axis.CORONAL, Axis.SAGITTAL);
    }

    @Test
    void mixedPromptsRunEachPromptedAxisOnItsStructuresAndTheSecondStageOnEveryAxisSomeStructureLacks() {
        List<StructurePrompts> prompts = List.of(box(3, Axis.AXIAL, 4), box(3, Axis.CORONAL, 4),
                box(9, Axis.CORONAL, 4));

        Cascade.Split split = Cascade.split(prompts, new int[] {3, 9}, ALL);
        Cascade.Split axesRestricted = Cascade.split(prompts, new int[] {3, 9}, List.of(Axis.CORONAL));

        assertThat(split.firstStage()).isEqualTo(Map.of(Axis.AXIAL, List.of(3), Axis.CORONAL, List.of(3, 9)));
        assertThat(split.firstAxes()).containsExactly(Axis.AXIAL, Axis.CORONAL);
        assertThat(split.secondStage()).containsExactly(Axis.AXIAL, Axis.SAGITTAL);
        assertThat(axesRestricted.cascades()).as("every structure prompted on the one requested axis").isFalse();
        assertThatThrownBy(() -> Cascade.split(prompts, new int[] {3, 9}, List.of(Axis.SAGITTAL)))
                .hasMessageContaining("structure 3 has no prompt");
    }

    @Test
    void theSecondStageIsDerivedFromTheFusedResultAsFromLabelsKeepingTheUsersPrompts() {
        StructurePrompts user = box(3, Axis.AXIAL, 4);
        DerivationOptions options = DerivationOptions.defaults().withKinds(EnumSet.of(PromptKind.BOX,
                PromptKind.POINT));

        Cascade.Derived derived = Cascade.secondStage(List.of(user), firstStage(), new int[] {3},
                List.of(Axis.CORONAL, Axis.SAGITTAL), options);

        assertThat(derived.empty()).isEmpty();
        assertThat(derived.prompts()).hasSize(3);
        assertThat(derived.prompts().get(0)).isEqualTo(user);
        for (Axis axis : List.of(Axis.CORONAL, Axis.SAGITTAL)) {
            StructurePrompts p = derived.prompts().stream().filter(s -> s.axis() == axis).findFirst().orElseThrow();
            assertThat(p).isEqualTo(LabelPrompts.derive(firstStage(), 3, axis, options).orElseThrow());
        }
        // coronal slices are j: the fused structure spans j 3..6, its box (i, k) is 2..8 x 2..5
        StructurePrompts coronal = derived.prompts().get(1);
        assertThat(coronal.frames()).containsExactly(3, 6);
        assertThat(coronal.prompts().get(0).box()).isEqualTo(new BoxPrompt(2, 2, 8, 5));
        assertThat(coronal.prompts().get(0).points()).hasSize(1);
    }

    @Test
    void aStructureTheFirstStageFusedToNothingIsNamedAndGetsNoPrompts() {
        Cascade.Derived derived = Cascade.secondStage(List.of(box(3, Axis.AXIAL, 4), box(9, Axis.AXIAL, 2)),
                firstStage(), new int[] {9, 3}, List.of(Axis.CORONAL, Axis.SAGITTAL), DerivationOptions.defaults());

        assertThat(derived.empty()).containsExactly(9);
        assertThat(derived.prompts()).noneMatch(p -> p.structureId() == 9 && p.axis() != Axis.AXIAL);
    }
}
