package dev.triplane.core.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.geometry.RasVoxelMap;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.volume.Grid;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prompt file version 2 (world and voxel coordinates), 3D Slicer markups and the canonical form ingest stores. */
class WorldPromptsTest {

    /**
     * Stored LPS (i towards left, j towards posterior), 2 x 1.5 x 4 mm: input voxel (i, j, k) is RAS+ voxel
     * (19 - i, 29 - j, k) and lies at RAS world (40 - 2i, 25 - 1.5j, 4k - 18).
     */
    private static final Grid LPS_GRID = new Grid(20, 30, 10, new double[] {2, 1.5, 4},
            new double[] {-2, 0, 0, 40, 0, -1.5, 0, 25, 0, 0, 4, -18, 0, 0, 0, 1});
    /** The same grid tilted 10 degrees about z: positions no longer fall on voxel centres. */
    private static final Grid OBLIQUE = new Grid(20, 30, 10, new double[] {2, 1.5, 4}, new double[] {
            -2 * Math.cos(0.1745), 1.5 * Math.sin(0.1745), 0, 40,
            -2 * Math.sin(0.1745), -1.5 * Math.cos(0.1745), 0, 25,
            0, 0, 4, -18, 0, 0, 0, 1});
    private static final LabelTable TABLE = LabelTable.totalSegmentatorV2();
    private static final int LIVER = 5;
    private static final int SPLEEN = 1;

    private static List<StructurePrompts> read(String json, Grid grid) {
        return PromptFile.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "p.json", grid, TABLE);
    }

    private static String v2(String space, String prompts) {
        return "{\"version\": 2, \"space\": \"" + space + "\", \"prompts\": [" + prompts + "]}";
    }

    /** Per axis: slice, and the first point's x and y. */
    private static List<List<Double>> pointsOf(List<StructurePrompts> all) {
        return all.stream().map(s -> {
            FramePrompt p = s.prompts().get(0);
            return List.of((double) p.frame(), p.points().get(0).x(), p.points().get(0).y());
        }).toList();
    }

    @Test
    void aPointInAnySpacePromptsEveryAxisOnTheSliceThroughIt() {
        // input voxel (4, 10, 3) = RAS+ voxel (15, 19, 3) = RAS (32, 10, -6) mm = LPS (-32, -10, -6) mm
        List<List<Double>> expected = List.of(List.of(3.0, 15.0, 19.0), List.of(19.0, 15.0, 3.0),
                List.of(15.0, 19.0, 3.0));
        for (String file : List.of(
                v2("voxel", "{\"structure\": \"liver\", \"points\": [{\"x\": 4, \"y\": 10, \"z\": 3, \"label\": 1}]}"),
                v2("RAS", "{\"structure\": 5, \"points\": [{\"x\": 32, \"y\": 10, \"z\": -6, \"label\": 1}]}"),
                v2("LPS", "{\"structure\": 5, \"points\": [{\"x\": -32, \"y\": -10, \"z\": -6, \"label\": 1}]}"),
                v2("ras-voxel", "{\"structure\": 5, \"points\": [{\"x\": 15, \"y\": 19, \"z\": 3, \"label\": 1}]}"))) {
            List<StructurePrompts> all = read(file, LPS_GRID);
            assertThat(all).extracting(StructurePrompts::structureId, StructurePrompts::axis).containsExactly(
                    tuple(LIVER, Axis.AXIAL), tuple(LIVER, Axis.CORONAL), tuple(LIVER, Axis.SAGITTAL));
            assertThat(pointsOf(all)).as(file).isEqualTo(expected);
        }
    }

    @Test
    void aBoxPromptsEachAxisOnTheSliceThroughItsCentre() {
        // input voxels i 2..6, j 4..10, k 1..5 = RAS+ i 13..17, j 19..25, k 1..5
        List<StructurePrompts> all = read(v2("voxel", "{\"structure\": \"liver\", \"box\": [2, 4, 1, 6, 10, 5]}"),
                LPS_GRID);
        assertThat(all).extracting(s -> s.prompts().get(0).frame(), s -> s.prompts().get(0).box()).containsExactly(
                tuple(3, new BoxPrompt(13, 19, 17, 25)), tuple(22, new BoxPrompt(13, 1, 17, 5)),
                tuple(15, new BoxPrompt(19, 1, 25, 5)));
        // a box in millimetres on the tilted grid: its frame box is the bounding box of the turned corners, larger
        String mm = v2("RAS", "{\"structure\": \"liver\", \"box\": [22, 1, -14, 30, 10, 2]}");
        BoxPrompt straight = read(mm, LPS_GRID).get(0).prompts().get(0).box();
        BoxPrompt tilted = read(mm, OBLIQUE).get(0).prompts().get(0).box();
        assertThat(new double[] {straight.x0(), straight.y0(), straight.x1(), straight.y1()})
                .containsExactly(new double[] {10, 13, 14, 19}, within(1e-9));
        // 8 x 9 mm turned by 10 degrees spans 9.44 x 10.25 mm: 4.72 x 6.83 voxels
        assertThat(tilted.x1() - tilted.x0()).isCloseTo(4.72, within(0.01));
        assertThat(tilted.y1() - tilted.y0()).isCloseTo(6.83, within(0.01));
    }

    @Test
    void anOutlineIsAMaskOnTheSliceItIsDrawnOn() {
        // a rectangle around RAS+ voxels i 9..12, j 17..19 on axial slice 4 (z = -2 mm), given in RAS millimetres
        List<StructurePrompts> all = read(v2("RAS", "{\"structure\": \"spleen\", \"outline\": [[26.5, 10.75, -2],"
                + " [26.5, 6.25, -2], [19.5, 6.25, -2], [19.5, 10.75, -2]]}"), LPS_GRID);
        assertThat(all).extracting(StructurePrompts::structureId, StructurePrompts::axis)
                .containsExactly(tuple(SPLEEN, Axis.AXIAL));
        FramePrompt p = all.get(0).prompts().get(0);
        assertThat(p.frame()).isEqualTo(4);
        // RAS x 19.5..26.5 is RAS+ i 8.75..12.25 -> 9..12; y 6.25..10.75 is j 16.5..19.67 -> 17..19
        assertThat(p.mask().area()).isEqualTo(4 * 3);
        assertThat(p.mask().pixels()[9 + 20 * 17]).isTrue();
        assertThat(p.mask().pixels()[8 + 20 * 17]).isFalse();
        assertThat(p.mask().pixels()[9 + 20 * 20]).isFalse();
    }

    @Test
    void slicerMarkupsInLpsAndRasGiveTheSamePrompts() {
        String lps = "{\"@schema\": \"https://raw.githubusercontent.com/slicer/slicer/master/Modules/Loadable/Markups/"
                + "Resources/Schema/markups-schema-v1.0.3.json#\", \"markups\": [{\"type\": \"Fiducial\","
                + " \"coordinateSystem\": \"LPS\", \"controlPoints\": ["
                + "{\"id\": \"1\", \"label\": \"liver\", \"position\": [-32, -10, -6], \"positionStatus\": \"defined\"},"
                + "{\"id\": \"2\", \"label\": \"liver-\", \"position\": [-32, -10, 6], \"positionStatus\": \"defined\"},"
                + "{\"id\": \"3\", \"label\": \"F-3\", \"position\": [0, 0, 0], \"positionStatus\": \"undefined\"}]}]}";
        String ras = lps.replace("\"LPS\"", "\"RAS\"").replace("[-32, -10, -6]", "[32, 10, -6]")
                .replace("[-32, -10, 6]", "[32, 10, 6]");
        for (String file : List.of(lps, ras)) {
            List<StructurePrompts> all = read(file, LPS_GRID);
            assertThat(pointsOf(all)).isEqualTo(List.of(List.of(3.0, 15.0, 19.0), List.of(19.0, 15.0, 3.0),
                    List.of(15.0, 19.0, 3.0)));
            // the negative click (z 6 mm = k 6) has its own axial slice and shares the coronal and sagittal ones
            assertThat(all.get(0).frames()).containsExactly(3, 6);
            assertThat(all.get(0).prompts().get(1).points().get(0).positive()).isFalse();
            assertThat(all.get(1).prompts().get(0).points()).extracting(PointPrompt::positive).containsExactly(true,
                    false);
        }
    }

    @Test
    void slicersOwnPointLabelsNameTheListsStructure() {
        // a point list named after the structure, its points left with the labels Slicer gives them
        List<StructurePrompts> all = read("{\"markups\": [{\"type\": \"Fiducial\", \"name\": \"spleen\","
                + " \"coordinateSystem\": \"RAS\", \"controlPoints\": [{\"label\": \"spleen-1\", \"position\":"
                + " [32, 10, -6]}, {\"label\": \"liver-\", \"position\": [32, 10, -2]}]}]}", LPS_GRID);
        assertThat(all).extracting(StructurePrompts::structureId).containsExactly(SPLEEN, SPLEEN, SPLEEN, LIVER,
                LIVER, LIVER);
        assertThat(all.get(0).prompts().get(0).points().get(0).positive()).isTrue();
        assertThat(all.get(3).prompts().get(0).points().get(0).positive()).isFalse();
    }

    @Test
    void slicerRoisAreBoxesAndClosedCurvesAreMasks() {
        // ROI centred on RAS+ voxel (15, 22, 3), 8 x 9 x 8 mm: RAS+ i 13..17, j 19..25, k 2..4
        String file = "{\"@schema\": \"x\", \"markups\": ["
                + "{\"type\": \"ROI\", \"name\": \"liver\", \"coordinateSystem\": \"RAS\", \"center\": [32, 14.5, -6],"
                + " \"size\": [8, 9, 8], \"orientation\": [1, 0, 0, 0, 1, 0, 0, 0, 1]},"
                + "{\"type\": \"ClosedCurve\", \"name\": \"spleen\", \"coordinateSystem\": \"RAS\", \"controlPoints\": ["
                + "{\"position\": [26.5, 10.75, -2]}, {\"position\": [26.5, 6.25, -2]},"
                + " {\"position\": [19.5, 6.25, -2]}, {\"position\": [19.5, 10.75, -2]}]}]}";
        List<StructurePrompts> all = read(file, LPS_GRID);
        assertThat(all).extracting(StructurePrompts::structureId, StructurePrompts::axis).containsExactly(
                tuple(SPLEEN, Axis.AXIAL), tuple(LIVER, Axis.AXIAL), tuple(LIVER, Axis.CORONAL),
                tuple(LIVER, Axis.SAGITTAL));
        assertThat(all.get(0).prompts().get(0).mask().area()).isEqualTo(12);
        assertThat(all.get(1).prompts().get(0).box()).isEqualTo(new BoxPrompt(13, 19, 17, 25));
        assertThat(all.get(2).prompts().get(0).frame()).isEqualTo(22);
    }

    @Test
    void whatCannotBePlacedIsRefusedNamingTheField() {
        expect(v2("LPS", "{\"structure\": 5, \"points\": [{\"x\": 500, \"y\": 0, \"z\": 0, \"label\": 1}]}"),
                "prompts[0].points[0]", "the point lies outside the volume");
        expect(v2("LPS", "{\"structure\": 5, \"axis\": \"axial\", \"slice\": 2, \"box\": [1, 1, 2, 2]}"),
                "prompts[0]", "frame pixels of the RAS+ volume");
        expect(v2("mm", "{\"structure\": 5, \"box\": [1, 1, 1, 2, 2, 2]}"), "space", "unknown space 'mm'");
        expect(v2("RAS", "{\"structure\": 5, \"outline\": [[26, 10, -2], [26, 6, 10], [19, 6, -2]]}"),
                "prompts[0].outline", "does not lie on one slice");
        // two boxes on one slice, and a mask beside clicks: the engine takes neither
        expect(v2("voxel", "{\"structure\": 5, \"box\": [2, 4, 1, 6, 10, 5]}, {\"structure\": 5, \"box\": [2, 4, 1,"
                + " 6, 10, 5]}"), "prompts[1].box", "a second box for structure 5 on axial slice 3");
        expect("{\"version\": 1, \"prompts\": [{\"structure\": 5, \"axis\": \"axial\", \"slice\": 2, \"points\":"
                + " [{\"x\": 1, \"y\": 1, \"label\": 1}], \"mask\": [[1, 1, 3]]}]}", "prompts[0]",
                "a mask prompt stands alone on its slice");
        expect("{\"markups\": [{\"type\": \"Line\", \"controlPoints\": []}]}", "markups[0].type",
                "markup type \"Line\" cannot prompt");
        expect("{\"markups\": [{\"type\": \"Fiducial\", \"controlPoints\": [{\"label\": \"livr\", \"position\":"
                + " [0, 0, 0]}]}]}", "markups[0].controlPoints[0].label", "unknown structure(s) [livr]");
    }

    @Test
    void theCanonicalFormReadsBackAsTheSamePrompts() {
        List<StructurePrompts> all = read(v2("RAS", "{\"structure\": 5, \"points\": [{\"x\": 32, \"y\": 10, \"z\":"
                + " -6, \"label\": 1}], \"box\": [22, 1, -14, 30, 10, 2]}, {\"structure\": \"spleen\", \"outline\":"
                + " [[26.5, 10.75, -2], [26.5, 6.25, -2], [19.5, 6.25, -2], [19.5, 10.75, -2]]}"), LPS_GRID);
        Grid ras = new RasVoxelMap(LPS_GRID).ras();
        byte[] canonical = PromptFile.canonical(all);
        List<StructurePrompts> back = PromptFile.read(new ByteArrayInputStream(canonical), "c.json", ras, TABLE);
        assertThat(PromptFile.canonical(back)).isEqualTo(canonical);
        assertThat(new String(canonical, StandardCharsets.UTF_8)).startsWith("{\"version\":1,");
        assertThat(back).extracting(StructurePrompts::structureId, StructurePrompts::axis, StructurePrompts::frames)
                .containsExactlyElementsOf(all.stream().map(s -> tuple(s.structureId(), s.axis(), s.frames())).toList());
        assertThat(back.get(0).prompts().get(0).mask().area()).isEqualTo(12);
    }

    @Test
    void coverageNamesTheAxesAStructureLacks() {
        List<StructurePrompts> all = read("{\"prompts\": [{\"structure\": \"liver\", \"axis\": \"axial\", \"slice\": 2,"
                + " \"box\": [1, 1, 5, 5]}]}", LPS_GRID);
        Map<Integer, List<Axis>> missing = PromptCoverage.unprompted(all, new int[] {LIVER}, List.of(Axis.values()));
        assertThat(missing).containsExactly(Map.entry(LIVER, List.of(Axis.CORONAL, Axis.SAGITTAL)));
        assertThat(PromptCoverage.describe(missing, TABLE)).isEqualTo("liver (5) has no prompt on coronal, sagittal");
        assertThat(PromptCoverage.unprompted(all, new int[] {LIVER}, List.of(Axis.AXIAL))).isEmpty();
    }

    private static void expect(String json, String field, String message) {
        assertThatThrownBy(() -> read(json, LPS_GRID)).isInstanceOfSatisfying(PromptFileException.class,
                e -> assertThat(e.field()).isEqualTo(field)).hasMessageContaining(message);
    }
}
