package dev.triplane.core.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Quartiles, whiskers and outliers against numpy 2.3.4 on fixed numbers. */
class BoxStatsTest {

    @Test
    void oddCountWithLowOutliersMatchesNumpy() {
        // numpy: np.percentile(a, [25, 50, 75]) -> 0.81, 0.86, 0.89; whiskers 0.79 .. 0.95; outliers 0.12, 0.42
        double[] a = {0.91, 0.85, 0.42, 0.88, 0.79, 0.95, 0.83, 0.12, 0.87, 0.90, 0.86};
        BoxStats b = BoxStats.of(a);
        assertThat(b.count()).isEqualTo(11);
        assertThat(b.q1()).isCloseTo(0.81, within(1e-12));
        assertThat(b.median()).isCloseTo(0.86, within(1e-12));
        assertThat(b.q3()).isCloseTo(0.89, within(1e-12));
        assertThat(b.lowWhisker()).isEqualTo(0.79);
        assertThat(b.highWhisker()).isEqualTo(0.95);
        assertThat(b.outliers()).containsExactly(0.12, 0.42);
    }

    @Test
    void evenCountInterpolatesAndNaNIsLeftOut() {
        // numpy: np.percentile(a, [25, 50, 75]) -> 2.65, 3.55, 5.175000000000001; whiskers 1.1 .. 7.5; outlier 25
        double[] a = {3.2, 1.1, 7.5, Double.NaN, 2.2, 25.0, 4.4, 3.9, 2.8};
        BoxStats b = BoxStats.of(a);
        assertThat(b.count()).isEqualTo(8);
        assertThat(b.q1()).isCloseTo(2.65, within(1e-12));
        assertThat(b.median()).isCloseTo(3.55, within(1e-12));
        assertThat(b.q3()).isCloseTo(5.175000000000001, within(1e-12));
        assertThat(b.lowWhisker()).isEqualTo(1.1);
        assertThat(b.highWhisker()).isEqualTo(7.5);
        assertThat(b.outliers()).containsExactly(25.0);
    }

    @Test
    void singleValueIsItsOwnBoxAndNoValueIsRefused() {
        BoxStats b = BoxStats.of(new double[] {0.7});
        assertThat(new double[] {b.q1(), b.median(), b.q3(), b.lowWhisker(), b.highWhisker()})
                .containsOnly(0.7);
        assertThatThrownBy(() -> BoxStats.of(new double[] {Double.NaN})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void svgDrawsOneBoxPerPresetWithEscapedLabels() {
        String svg = BoxPlotSvg.render("bones: Dice", "Dice", java.util.List.of("np", "is+sps <all>"),
                java.util.List.of(BoxStats.of(new double[] {0.5, 0.6, 0.7}), BoxStats.of(new double[] {0.8, 0.9, 0.1})));
        assertThat(svg).startsWith("<svg").endsWith("</svg>\n").contains("is+sps &lt;all&gt;<tspan x=\"")
                .contains("(n=3)</tspan>");
        assertThat(svg.split("<rect", -1)).hasSize(3);
    }
}
