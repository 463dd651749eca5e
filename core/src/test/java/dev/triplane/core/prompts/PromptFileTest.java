package dev.triplane.core.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.FrameMask;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.volume.Grid;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptFileTest {

    /** The RAS grid of samples/example_ct_sm.nii.gz: 122 x 101 x 30. */
    private static final Grid SAMPLE = Grid.ofSpacing(122, 101, 30, 3, 3, 3);
    private static final LabelTable V2 = LabelTable.totalSegmentatorV2();

    private static List<StructurePrompts> parse(String json) {
        return PromptFile.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "p.json", SAMPLE, V2);
    }

    /** One prompt entry with the given fields, inside a valid document. */
    private static String one(String fields) {
        return "{\"version\": 1, \"prompts\": [{" + fields + "}]}";
    }

    @Test
    void readsTheExampleFile() {
        List<StructurePrompts> all = PromptFile.read(Path.of("..", "samples", "prompts-example.json"), SAMPLE, V2);
        assertThat(all).extracting(StructurePrompts::structureId, StructurePrompts::axis)
                .containsExactly(tuple(5, Axis.AXIAL), tuple(5, Axis.CORONAL), tuple(5, Axis.SAGITTAL),
                        tuple(52, Axis.AXIAL), tuple(52, Axis.CORONAL), tuple(52, Axis.SAGITTAL));
        StructurePrompts liver = all.get(0);
        assertThat(liver.frames()).containsExactly(15, 25);
        assertThat(liver.range()).isEqualTo(new FrameRange(0, 29));
        assertThat(liver.prompts().get(0).box()).isEqualTo(new BoxPrompt(45, 26, 104, 84));
        assertThat(liver.prompts().get(1).points()).containsExactly(new PointPrompt(80, 50, true),
                new PointPrompt(40, 30, false));
        StructurePrompts aortaAxial = all.get(3);
        assertThat(aortaAxial.prompts().get(0).points()).hasSize(1);
        assertThat(aortaAxial.prompts().get(0).hasBox()).isTrue();
        StructurePrompts sagittal = all.get(5);
        assertThat(sagittal.range()).isEqualTo(new FrameRange(0, 121));
        // sagittal frames are j (101 wide) by k (30 high); runs [10, 48, 53], [11, 47, 52], [12, 47, 52]
        FrameMask mask = sagittal.prompts().get(0).mask();
        assertThat(mask.width()).isEqualTo(101);
        assertThat(mask.height()).isEqualTo(30);
        assertThat(mask.area()).isEqualTo(18);
        assertThat(mask.pixels()[48 + 101 * 10]).isTrue();
        assertThat(mask.pixels()[47 + 101 * 10]).isFalse();
        assertThat(mask.pixels()[47 + 101 * 12]).isTrue();
    }

    @Test
    void fractionalPointsAndPromptsOnSeveralSlicesAreSortedBySlice() {
        List<StructurePrompts> all = parse("{\"prompts\": ["
                + "{\"structure\": \"spleen\", \"axis\": \"CORONAL\", \"slice\": 40, \"points\": [{\"x\": 3.5, \"y\": 0, \"label\": 1}]},"
                + "{\"structure\": \"1\", \"axis\": \"coronal\", \"slice\": 7, \"box\": [0, 0, 121, 29]}]}");
        assertThat(all).hasSize(1);
        assertThat(all.get(0).frames()).containsExactly(7, 40);
        assertThat(all.get(0).range()).isEqualTo(new FrameRange(0, 100));
        assertThat(all.get(0).prompts().get(1).points().get(0).x()).isEqualTo(3.5);
    }

    @Test
    void errorsNameTheFileAndTheField() {
        String base = "\"structure\": \"liver\", \"axis\": \"axial\", \"slice\": 3, ";
        expect("not json", "", "p.json: not valid JSON");
        expect("[1]", "", "expected a JSON object");
        expect("{\"prompts\": []}", "prompts", "p.json: prompts: empty prompt set");
        expect("{\"version\": 3, \"prompts\": []}", "version", "unsupported version 3");
        expect("{\"prompt\": []}", "prompt", "unknown field");
        expect(one("\"structure\": \"livr\", \"axis\": \"axial\", \"slice\": 3, \"box\": [1, 1, 2, 2]"),
                "prompts[0].structure", "unknown structure(s) [livr]");
        expect(one("\"structure\": 200, \"axis\": \"axial\", \"slice\": 3, \"box\": [1, 1, 2, 2]"),
                "prompts[0].structure", "unknown structure id 200");
        expect(one("\"structure\": \"liver\", \"axis\": \"axail\", \"slice\": 3, \"box\": [1, 1, 2, 2]"),
                "prompts[0].axis", "unknown axis 'axail'");
        expect(one("\"structure\": \"liver\", \"axis\": \"axial\", \"slice\": 30, \"box\": [1, 1, 2, 2]"),
                "prompts[0].slice", "30 outside 0..29 (axial slices of a 122x101x30 RAS volume)");
        expect(one("\"structure\": \"liver\", \"axis\": \"axial\", \"slice\": 2.5, \"box\": [1, 1, 2, 2]"),
                "prompts[0].slice", "expected an integer");
        expect(one("\"structure\": \"liver\", \"slice\": 3, \"box\": [1, 1, 2, 2]"), "prompts[0].axis", "missing");
        expect(one(base + "\"points\": [{\"x\": 122, \"y\": 5, \"label\": 1}]"), "prompts[0].points[0].x",
                "122.0 outside the frame: 0..121 (axial frame width 122)");
        expect(one(base + "\"points\": [{\"x\": 1, \"y\": -1, \"label\": 1}]"), "prompts[0].points[0].y",
                "outside the frame");
        expect(one(base + "\"points\": [{\"x\": 1, \"y\": 1, \"label\": 2}]"), "prompts[0].points[0].label",
                "expected 1 (positive) or 0 (negative)");
        expect(one(base + "\"points\": [{\"x\": 1, \"y\": 1}]"), "prompts[0].points[0].label", "missing");
        expect(one(base + "\"box\": [5, 5, 2, 8]"), "prompts[0].box", "x0 <= x1");
        expect(one(base + "\"box\": [5, 5, 8]"), "prompts[0].box", "expected [x0, y0, x1, y1]");
        expect(one(base + "\"box\": [5, 5, 8, 101]"), "prompts[0].box[3]", "outside the frame: 0..100");
        expect(one(base + "\"mask\": [[3, 5, 200]]"), "prompts[0].mask[0][2]", "200 outside 5..121");
        expect(one(base + "\"mask\": []"), "prompts[0].mask", "non-empty");
        expect(one(base + "\"boxes\": [1, 1, 2, 2]"), "prompts[0].boxes", "unknown field");
        expect(one(base.substring(0, base.length() - 2)), "prompts[0]", "no points, box or mask");
        expect("{\"prompts\": [{" + base + "\"box\": [1, 1, 2, 2]}, {" + base + "\"points\": [{\"x\": 1, \"y\": 1,"
                + " \"label\": 1}]}]}", "prompts[1]", "a second prompt for structure 5 on axial slice 3");
    }

    @Test
    void hostileDocumentsAreRefusedNotGuessedAt() {
        String prompt = "{\"structure\": 5, \"axis\": \"axial\", \"slice\": 3, \"box\": [1, 1, 2, 2]}";
        // which of two values counts is up to each reader: none is taken
        expect("{\"version\": 1, \"version\": 2, \"prompts\": [" + prompt + "]}", "",
                "Duplicate Object property \"version\"");
        expect("{\"prompts\": [" + prompt + "], \"prompts\": []}", "", "Duplicate Object property \"prompts\"");
        expect(one("\"structure\": 5, \"structure\": 1, \"axis\": \"axial\", \"slice\": 3, \"box\": [1, 1, 2, 2]"),
                "", "Duplicate Object property \"structure\"");
        // a second document or garbage after the first is not silently dropped
        expect("{\"prompts\": [" + prompt + "]} {\"prompts\": []}", "", "not valid JSON");
        expect("{\"prompts\": [" + prompt + "]} x", "", "not valid JSON");
        expect("[".repeat(100_000), "", "not valid JSON");
        expect(one("\"structure\": 5, \"axis\": \"axial\", \"slice\": 3, \"points\": [{\"x\": 1, \"y\": 1,"
                + " \"label\": 99999999999999999999}]"), "prompts[0].points[0].label", "expected 1 (positive) or 0");
        expect("{\"version\": 99999999999999999999, \"prompts\": [" + prompt + "]}", "version", "unsupported version");
        expect(one("\"structure\": 5, \"axis\": \"axial\", \"slice\": 3, \"box\": [-" + "9".repeat(400) + ", 1, 2, 2]"),
                "prompts[0].box[0]", "expected a finite number");
        expect(one("\"structure\": 5, \"axis\": \"axial\", \"slice\": 3, \"box\": [1, 1e999, 2, 2]"),
                "prompts[0].box[1]", "expected a finite number");
        // every point is a token of the worker's decoder: a slice takes a bounded number
        String click = "{\"x\": 1, \"y\": 1, \"label\": 1}";
        String slice = "\"structure\": 5, \"axis\": \"axial\", \"slice\": 3, \"points\": [";
        assertThat(parse(one(slice + String.join(", ", Collections.nCopies(PromptFile.MAX_POINTS, click)) + "]"))
                .get(0).prompts().get(0).points()).hasSize(PromptFile.MAX_POINTS);
        expect(one(slice + String.join(", ", Collections.nCopies(PromptFile.MAX_POINTS + 1, click)) + "]"),
                "prompts[0]", "65 clicks on structure 5 on axial slice 3; a slice takes at most 64");
    }

    private static void expect(String json, String field, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(PromptFileException.class, e -> {
            assertThat(e.source()).isEqualTo("p.json");
            assertThat(e.field()).isEqualTo(field);
        }).hasMessageContaining(message);
    }
}
