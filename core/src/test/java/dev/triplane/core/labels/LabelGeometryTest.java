package dev.triplane.core.labels;

import static dev.triplane.core.fixtures.Fixtures.ints;
import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.ConnectedComponents.Connectivity;
import dev.triplane.core.volume.BinaryMask;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.LabelVolume;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Against numpy and scipy.ndimage (distance_transform_edt, label) on the TotalSegmentator sample labels
 * ({@code samples/example_seg.nii.gz}, already RAS+).
 */
class LabelGeometryTest {

    private static final Fixtures GEOMETRY = Fixtures.of("geometry");

    private static LabelVolume seg;
    private static JsonNode fixture;

    @BeforeAll
    static void load() {
        fixture = GEOMETRY.json("labels.json");
        int[] shape = ints(fixture.get("shape"));
        seg = new LabelVolume(Grid.ofSpacing(shape[0], shape[1], shape[2], 3, 3, 3),
                GEOMETRY.unsignedBytes("seg.u8.gz"));
    }

    @Test
    void extentsAndAreasMatchNumpy() {
        for (JsonNode s : fixture.get("structures")) {
            int id = s.get("id").asInt();
            StructureExtent extent = StructureExtent.of(seg, id).orElseThrow();
            assertThat(extent.voxelCount()).isEqualTo(s.get("voxels").asInt());
            for (Axis axis : Axis.values()) {
                JsonNode a = s.get("axes").get(axis.id());
                assertThat(extent.first(axis)).as(id + " " + axis).isEqualTo(a.get("first").asInt());
                assertThat(extent.last(axis)).as(id + " " + axis).isEqualTo(a.get("last").asInt());
                assertThat(StructureExtent.frameAreas(seg, id, axis)).containsExactly(ints(a.get("areas")));
            }
        }
        assertThat(StructureExtent.of(seg, 200)).isEmpty();
    }

    @Test
    void sliceBoxesPointsAndAreasMatchScipy() {
        int checked = 0;
        for (JsonNode s : fixture.get("structures")) {
            int id = s.get("id").asInt();
            for (Axis axis : Axis.values()) {
                for (Map.Entry<String, JsonNode> e : s.get("axes").get(axis.id()).get("slices").properties()) {
                    JsonNode want = e.getValue();
                    FrameMask mask = FrameMask.of(seg, id, axis, Integer.parseInt(e.getKey()));
                    String what = id + " " + axis.id() + " frame " + e.getKey();
                    assertThat(mask.area()).as(what).isEqualTo(want.get("area").asInt());
                    int[] box = ints(want.get("bbox"));
                    assertThat(mask.boundingBox()).as(what).contains(new BoundingBox(box[0], box[1], box[2], box[3]));
                    InteriorPoint p = mask.farthestInteriorPoint().orElseThrow();
                    assertThat(new int[] {p.x(), p.y()}).as(what).containsExactly(ints(want.get("point")));
                    assertThat(p.distance()).as(what).isEqualTo(want.get("distance").asDouble());
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(18);
    }

    @Test
    void componentsMatchScipyLabel() {
        for (JsonNode c : fixture.get("components")) {
            int id = c.get("id").asInt();
            Connectivity connectivity = c.get("connectivity").asInt() == 6 ? Connectivity.FACES : Connectivity.FULL;
            int[] labels = seg.labels();
            boolean[] voxels = new boolean[labels.length];
            for (int v = 0; v < labels.length; v++) {
                voxels[v] = id == 0 ? labels[v] > 0 : labels[v] == id;
            }
            ConnectedComponents cc = ConnectedComponents.of(new BinaryMask(seg.grid(), voxels),
                    connectivity);
            int[] sizes = new int[cc.count()];
            for (int label = 1; label <= cc.count(); label++) {
                sizes[label - 1] = cc.size(label);
            }
            String what = "label " + id + " " + connectivity;
            assertThat(sizes).as(what).containsExactly(ints(c.get("sizes")));
            assertThat(cc.largestMask().count()).as(what).isEqualTo(c.get("largest").asInt());
        }
    }
}
