package dev.triplane.core.labels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FrameMaskTest {

    private static FrameMask parse(String... rows) {
        int w = rows[0].length();
        boolean[] pixels = new boolean[w * rows.length];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < w; x++) {
                pixels[x + w * y] = rows[y].charAt(x) == '#';
            }
        }
        return new FrameMask(w, rows.length, pixels);
    }

    @Test
    void frameBorderCountsAsBackground() {
        FrameMask full = parse("#####", "#####", "#####", "#####", "#####");
        InteriorPoint p = full.farthestInteriorPoint().orElseThrow();
        assertThat(new int[] {p.x(), p.y()}).containsExactly(2, 2);
        assertThat(p.distance()).isEqualTo(3.0);
        assertThat(full.boundingBox()).contains(new BoundingBox(0, 0, 4, 4));
    }

    @Test
    void tiesGoToTheFirstPixelInRowMajorOrder() {
        FrameMask bar = parse(
                "......",
                ".####.",
                ".####.",
                "......");
        InteriorPoint p = bar.farthestInteriorPoint().orElseThrow();
        assertThat(new int[] {p.x(), p.y()}).containsExactly(1, 1);
        assertThat(p.distance()).isEqualTo(1.0);
        assertThat(bar.area()).isEqualTo(8);
    }

    @Test
    void distanceIsEuclideanNotCityBlock() {
        FrameMask diamondish = parse(
                ".......",
                ".#####.",
                ".#####.",
                ".#####.",
                ".#####.",
                ".#####.",
                ".......");
        InteriorPoint p = diamondish.farthestInteriorPoint().orElseThrow();
        assertThat(new int[] {p.x(), p.y()}).containsExactly(3, 3);
        assertThat(p.distance()).isEqualTo(3.0);
        FrameMask corner = parse("##.", "##.", "...");
        assertThat(corner.farthestInteriorPoint().orElseThrow().distance()).isEqualTo(1.0);
    }

    @Test
    void emptyFrameHasNoBoxOrPoint() {
        FrameMask empty = parse("...", "...");
        assertThat(empty.area()).isZero();
        assertThat(empty.boundingBox()).isEmpty();
        assertThat(empty.farthestInteriorPoint()).isEmpty();
    }
}
