package dev.triplane.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Replays the passes of {@code tools/fixtures/propagation_cases.py}, whose memories come from the official
 * {@code _prepare_memory_conditioned_features}, frame by frame.
 */
class MemorySelectionFixtureTest {

    @Test
    void everyFrameOfEveryPassAttendsTheOfficialMemories() {
        JsonNode cases = read().get("cases");
        assertThat(cases.size()).isEqualTo(30);
        int frames = 0;
        for (JsonNode c : cases) {
            MemoryPolicy policy = MemoryPolicy.parse(c.get("policy").asString());
            int numFrames = c.get("numFrames").asInt();
            int[] cond = new int[c.get("cond").size()];
            for (int n = 0; n < cond.length; n++) {
                cond[n] = c.get("cond").get(n).asInt();
            }
            BitSet nonCond = new BitSet();
            for (JsonNode f : c.get("frames")) {
                int t = f.get("frame").asInt();
                Direction direction = Direction.valueOf(f.get("direction").asString().toUpperCase());
                MemorySelection s = MemorySelection.select(t, direction, numFrames, cond, nonCond, policy);
                String where = c.get("case").asString() + " " + policy.name() + " " + direction + " t=" + t;
                assertThat(masks(s)).as(where).isEqualTo(pairs(f.get("mask")));
                assertThat(ptrs(s)).as(where).isEqualTo(pairs(f.get("ptrs")));
                assertThat(s.objPtrTDiffMax()).as(where).isEqualTo(c.get("tDiffMax").asInt());
                nonCond.set(t);
                frames++;
            }
        }
        assertThat(frames).isGreaterThan(500);
    }

    private static List<List<Integer>> masks(MemorySelection s) {
        List<List<Integer>> out = new ArrayList<>();
        s.maskMemories().forEach(m -> out.add(List.of(m.frame(), m.tPos())));
        return out;
    }

    private static List<List<Integer>> ptrs(MemorySelection s) {
        List<List<Integer>> out = new ArrayList<>();
        s.objPtrs().forEach(p -> out.add(List.of(p.frame(), p.pos())));
        return out;
    }

    private static List<List<Integer>> pairs(JsonNode array) {
        List<List<Integer>> out = new ArrayList<>();
        for (JsonNode p : array) {
            out.add(List.of(p.get(0).asInt(), p.get(1).asInt()));
        }
        return out;
    }

    private static JsonNode read() {
        try (InputStream in = MemorySelectionFixtureTest.class
                .getResourceAsStream("/fixtures/propagation/memory_selection.json")) {
            return JsonMapper.builder().build().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
