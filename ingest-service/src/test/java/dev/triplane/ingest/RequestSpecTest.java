package dev.triplane.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.events.PromptPolicy;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestSpecTest {

    private static final LabelTable TABLE = LabelTable.totalSegmentatorV2();
    private static final RequestSpec DEFAULTS = new RequestSpec("present", List.of(Axis.values()), "is+sps",
            "sam2-micro", PromptPolicy.fromLabels(2, SliceSelector.EXTENT_ENDS, List.of(PromptKind.BOX)), "inbox");

    @Test
    void presentSelectsEveryStructureOfTheLabels() {
        assertThat(DEFAULTS.resolveStructures(TABLE, present(5, 1, 26))).containsExactly(1, 5, 26);
    }

    @Test
    void namesIdsAndGroupsKeepOnlyStructuresTheLabelsHold() {
        assertThat(DEFAULTS.with("liver, 1, spleen, 2", null, null, null).resolveStructures(TABLE, present(1, 5, 7)))
                .containsExactly(1, 5);
        // 26 is vertebrae_S1 in TotalSegmentator v2, a bone; 5 (liver) is not
        assertThat(DEFAULTS.with("bones", null, null, null).resolveStructures(TABLE, present(5, 26))).containsExactly(26);
    }

    @Test
    void aSelectionWithNothingLeftOrUnknownNamesIsRefused() {
        assertThatThrownBy(() -> DEFAULTS.with("spleen", null, null, null).resolveStructures(TABLE, present(5)))
                .hasMessageContaining("select nothing that has prompts");
        assertThatThrownBy(() -> DEFAULTS.with("no_such", null, null, null).resolveStructures(TABLE, present(5)))
                .hasMessageContaining("unknown structure");
    }

    @Test
    void requestIdDependsOnTheParametersOnly() {
        String id = DEFAULTS.requestId(new int[] {1, 5}, "");

        assertThat(id).matches("r-[0-9a-f]{16}").isEqualTo(DEFAULTS.requestId(new int[] {1, 5}, ""));
        assertThat(DEFAULTS.requestId(new int[] {1}, "")).isNotEqualTo(id);
        assertThat(DEFAULTS.with(null, "sps", null, null).requestId(new int[] {1, 5}, "")).isNotEqualTo(id);
        assertThat(DEFAULTS.with(null, "IS+SPS", null, null).requestId(new int[] {1, 5}, "")).isEqualTo(id);
        assertThat(DEFAULTS.requestId(new int[] {1, 5}, "ab12")).isNotEqualTo(id)
                .isNotEqualTo(DEFAULTS.requestId(new int[] {1, 5}, "ab13"));
    }

    @Test
    void axesAndPromptOverridesMakeAnotherRequest() {
        String id = DEFAULTS.requestId(new int[] {1, 5}, "");

        RequestSpec axial = DEFAULTS.withAxes("axial, sagittal");
        assertThat(axial.axes()).containsExactly(Axis.AXIAL, Axis.SAGITTAL);
        assertThat(axial.requestId(new int[] {1, 5}, "")).isNotEqualTo(id);
        RequestSpec prompts = DEFAULTS.withPrompts(4, "area-quantiles", "box,point");
        assertThat(prompts.prompts().budget()).isEqualTo(4);
        assertThat(prompts.prompts().selector()).isEqualTo(SliceSelector.AREA_QUANTILES);
        assertThat(prompts.prompts().kinds()).containsExactly(PromptKind.BOX, PromptKind.POINT);
        assertThat(prompts.requestId(new int[] {1, 5}, "")).isNotEqualTo(id);
        assertThat(DEFAULTS.withAxes(null).withPrompts(null, null, null)).isEqualTo(DEFAULTS);
        assertThatThrownBy(() -> DEFAULTS.withAxes("axial,axial")).hasMessageContaining("distinct");
        assertThatThrownBy(() -> DEFAULTS.withPrompts(1, null, null)).hasMessageContaining("budget");
    }

    @Test
    void aBadPolicyOrRepeatedAxesAreRefused() {
        assertThatThrownBy(() -> DEFAULTS.with(null, "fastest", null, null)).hasMessageContaining("unknown policy");
        assertThatThrownBy(() -> new RequestSpec("present", List.of(Axis.AXIAL, Axis.AXIAL), "np", "m",
                DEFAULTS.prompts(), "t")).hasMessageContaining("distinct");
    }

    private static BitSet present(int... ids) {
        BitSet set = new BitSet();
        for (int id : ids) {
            set.set(id);
        }
        return set;
    }
}
