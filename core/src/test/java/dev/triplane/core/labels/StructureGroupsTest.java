package dev.triplane.core.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StructureGroupsTest {

    private static final LabelTable V2 = LabelTable.totalSegmentatorV2();

    @Test
    void bundledTableEqualsTheSampleTable() {
        assertThat(V2.names()).isEqualTo(LabelTable.read(Path.of("..", "samples", "labels-total-v2.json")).names());
    }

    @Test
    void bonesOfTotalSegmentatorV2() {
        int[] expected = IntStream.concat(
                IntStream.of(25), // sacrum
                IntStream.concat(IntStream.rangeClosed(26, 50), // vertebrae S1..C1
                        IntStream.concat(IntStream.rangeClosed(69, 78), // humerus, scapula, clavicula, femur, hip
                                IntStream.concat(IntStream.of(91), // skull
                                        IntStream.rangeClosed(92, 117))))) // ribs, sternum, costal cartilages
                .toArray();
        assertThat(StructureGroups.resolve("bones", V2)).hasSize(63).containsExactly(expected);
    }

    @Test
    void allIsEveryStructure() {
        assertThat(StructureGroups.resolve("all", V2)).containsExactly(IntStream.rangeClosed(1, 117).toArray());
        assertThat(StructureGroups.names()).containsExactly("all", "bones");
    }

    @Test
    void expandMixesGroupsNamesAndIdsInOrderWithoutDuplicates() {
        int[] ids = StructureGroups.expand("liver, bones,25,aorta", V2);
        assertThat(ids[0]).isEqualTo(5);
        assertThat(ids).hasSize(1 + 63 + 1).doesNotHaveDuplicates();
        assertThat(ids[ids.length - 1]).isEqualTo(52);
    }

    @Test
    void errorsNameTheUnknownEntry() {
        assertThatThrownBy(() -> StructureGroups.resolve("organs", V2)).hasMessageContaining("'organs'")
                .hasMessageContaining("[all, bones]");
        assertThatThrownBy(() -> StructureGroups.expand("bones,livr", V2)).hasMessageContaining("livr");
        assertThatThrownBy(() -> StructureGroups.resolve("bones", LabelTable.of(Map.of(1, "liver"))))
                .hasMessageContaining("matches no structure");
        assertThatThrownBy(() -> StructureGroups.expand(" , ", V2)).hasMessageContaining("no structure");
    }
}
