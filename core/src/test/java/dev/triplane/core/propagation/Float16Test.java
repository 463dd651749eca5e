package dev.triplane.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Float16Test {

    @Test
    void everyFiniteHalfSurvivesARoundTrip() {
        for (int h = 0; h < 1 << 16; h++) {
            short half = (short) h;
            float f = Float16.toFloat(half);
            if (!Float.isNaN(f)) {
                assertThat(Float16.fromFloat(f)).as("0x%04x", h).isEqualTo(half);
            }
        }
    }

    @Test
    void knownValues() {
        assertThat(Float16.fromFloat(1f)).isEqualTo((short) 0x3C00);
        assertThat(Float16.fromFloat(-1024f)).isEqualTo((short) 0xE400);
        assertThat(Float16.fromFloat(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(Float16.fromFloat(65520f)).isEqualTo((short) 0x7C00); // rounds up to infinity
        assertThat(Float16.fromFloat(0x1p-24f)).isEqualTo((short) 0x0001); // smallest subnormal
        assertThat(Float16.fromFloat(0x1p-26f)).isEqualTo((short) 0x0000);
        assertThat(Float16.fromFloat(1f + 0x1p-11f)).isEqualTo((short) 0x3C00); // tie to even
        assertThat(Float16.fromFloat(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3C02);
        assertThat(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float.NaN)))).isTrue();
    }

    @Test
    void everyFloatGoesToTheNearestHalf() {
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            float f = (float) ((random.nextDouble() * 2 - 1) * Math.pow(2, random.nextInt(40) - 24));
            short h = Float16.fromFloat(f);
            float back = Float16.toFloat(h);
            float below = Float16.toFloat((short) (h - 1));
            float above = Float16.toFloat((short) (h + 1));
            double err = Math.abs((double) f - back);
            if (!Float.isInfinite(below) && !Float.isNaN(below)) {
                assertThat(err).as("%s", f).isLessThanOrEqualTo(Math.abs((double) f - below));
            }
            if (!Float.isInfinite(above) && !Float.isNaN(above)) {
                assertThat(err).as("%s", f).isLessThanOrEqualTo(Math.abs((double) f - above));
            }
        }
    }
}
