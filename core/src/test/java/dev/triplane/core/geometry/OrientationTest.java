package dev.triplane.core.geometry;

import static dev.triplane.core.fixtures.Fixtures.doubles;
import static dev.triplane.core.fixtures.Fixtures.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.volume.Grid;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Against nibabel 5.4.2: io_orientation, aff2axcodes and as_closest_canonical. */
class OrientationTest {

    static Stream<JsonNode> cases() {
        JsonNode root = Fixtures.of("geometry").json("orientation.json");
        return StreamSupport.stream(root.get("cases").spliterator(), false);
    }

    @ParameterizedTest(name = "{index}")
    @MethodSource("cases")
    void matchesNibabelOrientation(JsonNode c) {
        Orientation o = Orientation.of(doubles(c.get("affine")));
        assertThat(o.axisCodes()).as(c.get("name").asString()).isEqualTo(c.get("axcodes").asString());
        for (int a = 0; a < 3; a++) {
            JsonNode row = c.get("ornt").get(a);
            assertThat(o.worldAxis(a)).isEqualTo(row.get(0).asInt());
            assertThat(o.sign(a)).isEqualTo(row.get(1).asInt());
        }
    }

    @ParameterizedTest(name = "{index}")
    @MethodSource("cases")
    void reorientsLikeAsClosestCanonical(JsonNode c) {
        Grid source = new Grid(5, 4, 3, doubles(c.get("spacing")), doubles(c.get("affine")));
        Reorientation r = Reorientation.toRas(source);

        Grid target = r.target();
        assertThat(target.shape()).containsExactly(ints(c.get("canonicalShape")));
        assertThat(target.affine()).containsExactly(doubles(c.get("canonicalAffine")), within(1e-9));
        assertThat(target.spacing()).containsExactly(doubles(c.get("canonicalSpacing")), within(1e-6));
        assertThat(Orientation.of(target.affine()).axisCodes()).isEqualTo("RAS");

        int[] data = new int[60];
        for (int i = 0; i < data.length; i++) {
            data[i] = i;
        }
        int[] forward = r.forward(data);
        assertThat(forward).containsExactly(ints(c.get("canonicalData")));
        assertThat(r.inverse(forward)).containsExactly(data);
    }

    @Test
    void refusesSingularAffine() {
        double[] affine = {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        assertThatThrownBy(() -> Orientation.of(affine)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("singular");
    }
}
