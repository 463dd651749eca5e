package dev.triplane.core.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.fixtures.Fixtures;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelTableTest {

    private static final Path TOTAL = Fixtures.sample("labels-total-v2.json");

    private static LabelTable parse(String json) {
        return LabelTable.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsTheTotalSegmentatorTable() {
        LabelTable table = LabelTable.read(TOTAL);
        assertThat(table.idOf("liver")).isEqualTo(5);
        assertThat(table.nameOf(52)).isEqualTo("aorta");
        assertThat(table.names()).hasSize(117).containsKey(117);
    }

    @Test
    void resolvesIdsAndNamesInOrder() {
        LabelTable table = LabelTable.read(TOTAL);
        assertThat(table.resolve(List.of("aorta", "5", " spleen "))).containsExactly(52, 5, 1);
    }

    @Test
    void unknownEntriesAreAllNamedWithSuggestions() {
        LabelTable table = LabelTable.of(Map.of(1, "kidney_left", 2, "kidney_right", 3, "liver"));
        assertThatThrownBy(() -> table.resolve(List.of("liver", "kidney", "99")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[kidney, 99]")
                .hasMessageContaining("similar names: [kidney_left, kidney_right]");
        assertThatThrownBy(() -> table.idOf("lung")).hasMessageContaining("lung");
        assertThatThrownBy(() -> table.nameOf(4)).hasMessageContaining("[4]");
    }

    @Test
    void refusesMalformedTables() {
        assertThatThrownBy(() -> parse("{\"one\": \"liver\"}")).hasMessageContaining("'one'");
        assertThatThrownBy(() -> parse("{\"0\": \"background\"}")).hasMessageContaining("positive");
        assertThatThrownBy(() -> parse("{\"1\": \"liver\", \"2\": \"liver\"}")).hasMessageContaining("liver");
        assertThatThrownBy(() -> parse("[1, 2]")).isInstanceOf(IllegalArgumentException.class);
    }
}
