package dev.triplane.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.VoxelBox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Logit volumes as the engine writes them, on the heap and spilled to a file: the same frames either way. */
class LogitVolumeTest {

    private static final Grid GRID = Grid.ofSpacing(2, 2, 3, 1, 1, 1);
    private static final float A = LogitVolume.ABSENT;

    @TempDir
    static Path spillDir;

    /** A volume maker by (ids, firsts, lasts): on the heap, or spilled. */
    interface Maker extends Function<int[][], LogitVolume> {
    }

    static Stream<Arguments> makers() {
        Maker heap = r -> new LogitVolume(GRID, Axis.AXIAL, r[0], r[1], r[2]);
        Maker spilled = r -> {
            try {
                return LogitVolume.spilled(GRID, Axis.AXIAL, r[0], r[1], r[2], spillDir);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
        return Stream.of(Arguments.of("heap", heap), Arguments.of("spilled", spilled));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("makers")
    void maxFrameKeepsThePerPixelMaxAndLeavesOtherFramesAlone(String where, Maker maker) {
        // axial frames of a 2 x 2 x 3 grid: 4 pixels each
        try (LogitVolume v = maker.apply(new int[][] {{5}, {0}, {2}})) {
            v.putFrame(0, 1, new float[] {-3f, 2.5f, A, 7f});
            v.putFrame(0, 2, new float[] {1f, 1f, 1f, 1f});
            v.maxFrame(0, 1, new float[] {-1f, 0.5f, -10f, 7.25f});
            float[] frame = new float[4];
            v.copyFrame(0, 1, frame);
            assertThat(frame).containsExactly(-1f, 2.5f, -10f, 7.25f);
            v.copyFrame(0, 2, frame);
            assertThat(frame).containsExactly(1f, 1f, 1f, 1f);
            v.maxFrame(0, 0, new float[] {4f, 4f, 4f, 4f});
            v.copyFrame(0, 0, frame);
            assertThat(frame).containsExactly(4f, 4f, 4f, 4f);
            // a later pass that sees more of the frame grows its rectangle
            v.putFrame(0, 2, new float[] {A, A, A, 3f});
            v.maxFrame(0, 2, new float[] {2f, A, A, A});
            v.copyFrame(0, 2, frame);
            assertThat(frame).containsExactly(2f, LogitVolume.FLOOR, LogitVolume.FLOOR, 3f);
            assertThatThrownBy(() -> v.maxFrame(0, 3, frame)).hasMessageContaining("outside the frames");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("makers")
    void onlyTheRectangleAboveTheFloorIsKept(String where, Maker maker) {
        // structure 5 on frames 0..2, structure 7 on frame 1 only
        try (LogitVolume v = maker.apply(new int[][] {{5, 7}, {0, 1}, {2, 1}})) {
            v.putFrame(0, 0, new float[] {-40, -40, -40, -40});
            v.putFrame(0, 1, new float[] {-40, 6, Float.NaN, -31});
            v.putFrame(0, 2, new float[] {-40, -32, -50, -40});
            v.putFrame(1, 1, new float[] {-1, -2, -3, -4});
            // pixels (1,0) and (1,1) of frame 1: values at or below the floor inside the rectangle read as the floor
            assertThat(v.rect(v.slot(0, 1))).containsExactly(1, 0, 1, 2);
            assertThat(v.rect(v.slot(0, 0))).containsExactly(0, 0, 0, 0);
            assertThat(v.toVolume(0)).containsExactly(A, A, A, A, A, 6, A, -31, A, A, A, A);
            assertThat(v.toVolume(1)).containsExactly(A, A, A, A, -1, -2, -3, -4, A, A, A, A);
            assertThat(v.extent(0)).isEqualTo(new VoxelBox(1, 0, 1, 1, 1, 1));
            assertThat(v.extent(1)).isEqualTo(new VoxelBox(0, 0, 1, 1, 1, 1));
            // fill: a box of the grid, i fastest, float16 bits
            short[] box = new short[4];
            v.fill(0, new VoxelBox(1, 0, 0, 1, 1, 1), box);
            assertThat(box).containsExactly(Float16.fromFloat(A), Float16.fromFloat(A), Float16.fromFloat(6),
                    Float16.fromFloat(-31));
            assertThatThrownBy(() -> v.fill(0, new VoxelBox(0, 0, 0, 1, 1, 1), new short[7]))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("makers")
    void closingDeletesTheSpillFile(String where, Maker maker) throws IOException {
        LogitVolume v = maker.apply(new int[][] {{5}, {0}, {2}});
        v.putFrame(0, 1, new float[] {1, 2, 3, 4});
        v.close();
        try (Stream<Path> left = Files.list(spillDir)) {
            assertThat(left).isEmpty();
        }
    }
}
