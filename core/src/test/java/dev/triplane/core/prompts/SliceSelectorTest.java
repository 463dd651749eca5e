package dev.triplane.core.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SliceSelectorTest {

    //                                       0  1  2  3  4  5  6  7  8  9 10 11
    private static final int[] AREAS = {0, 0, 4, 6, 9, 0, 0, 8, 2, 1, 0, 0};

    @Test
    void extentEndsSpacesEvenlyByIndexAndMovesOffGaps() {
        assertThat(SliceSelector.EXTENT_ENDS.select(AREAS, 2)).containsExactly(2, 9);
        // (9 - 2) / 2 = 3.5 rounds up to 6, a gap: 5 and 7 are both one away, the lower is empty, so 7
        assertThat(SliceSelector.EXTENT_ENDS.select(AREAS, 3)).containsExactly(2, 7, 9);
        // 2 + 7/3 = 4.33 -> 4, 2 + 14/3 = 6.67 -> 7
        assertThat(SliceSelector.EXTENT_ENDS.select(AREAS, 4)).containsExactly(2, 4, 7, 9);
        // 2 + 1.4 -> 3, 2 + 2.8 -> 5 (gap, 4 is nearer-lower), 2 + 4.2 -> 6 (gap -> 7), 2 + 5.6 -> 8
        assertThat(SliceSelector.EXTENT_ENDS.select(AREAS, 6)).containsExactly(2, 3, 4, 7, 8, 9);
    }

    @Test
    void extentEndsRoundsHalfUp() {
        int[] areas = {1, 1, 1, 1, 1, 1};
        // 5 / 2 = 2.5 -> 3
        assertThat(SliceSelector.EXTENT_ENDS.select(areas, 3)).containsExactly(0, 3, 5);
    }

    @Test
    void largestAreaTakesTheBiggestSlicesLowerIndexFirstOnTies() {
        assertThat(SliceSelector.LARGEST_AREA.select(AREAS, 2)).containsExactly(4, 7);
        assertThat(SliceSelector.LARGEST_AREA.select(new int[] {3, 5, 5, 5}, 2)).containsExactly(1, 2);
        assertThat(SliceSelector.LARGEST_AREA.select(AREAS, 20)).containsExactly(2, 3, 4, 7, 8, 9);
    }

    @Test
    void areaQuantilesCentreEqualSharesOfTheVolume() {
        // total 30, cumulative 4, 10, 19, 19, 19, 27, 29, 30
        // B = 2: 7.5 -> slice 3, 22.5 -> slice 7
        assertThat(SliceSelector.AREA_QUANTILES.select(AREAS, 2)).containsExactly(3, 7);
        // B = 3: 5 -> 3, 15 -> 4, 25 -> 7
        assertThat(SliceSelector.AREA_QUANTILES.select(AREAS, 3)).containsExactly(3, 4, 7);
        // one dominant slice collapses several quantiles
        assertThat(SliceSelector.AREA_QUANTILES.select(new int[] {1, 100, 1}, 3)).containsExactly(1);
    }

    @Test
    void thinAndAbsentStructures() {
        int[] one = {0, 0, 5, 0};
        for (SliceSelector s : SliceSelector.values()) {
            assertThat(s.select(one, 4)).as(s.id()).containsExactly(2);
            assertThat(s.select(new int[4], 2)).as(s.id()).isEmpty();
        }
        assertThatThrownBy(() -> SliceSelector.EXTENT_ENDS.select(AREAS, 1)).hasMessageContaining("at least 2");
        assertThat(SliceSelector.parse(" Area-Quantiles")).isEqualTo(SliceSelector.AREA_QUANTILES);
        assertThatThrownBy(() -> SliceSelector.parse("middle")).hasMessageContaining("'middle'");
    }
}
