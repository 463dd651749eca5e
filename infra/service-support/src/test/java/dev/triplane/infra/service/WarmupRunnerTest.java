package dev.triplane.infra.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.synthetic.SyntheticScan;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WarmupRunnerTest {

    private final List<String> ran = new ArrayList<>();

    @Test
    void everyWarmupRunsEachRoundOnTheSyntheticScanAndAFailureStopsOnlyItself() {
        Warmup failing = scan -> {
            ran.add("failing");
            throw new IllegalStateException("no");
        };
        Warmup counting = scan -> ran.add("counting " + scan.labels().grid().nx());

        new WarmupRunner(List.of(failing, counting), 3).run();

        int nx = SyntheticScan.create().labels().grid().nx();
        assertThat(ran).containsExactly("failing", "counting " + nx, "counting " + nx, "counting " + nx);
    }

    @Test
    void zeroRoundsRunsNothing() {
        new WarmupRunner(List.of(scan -> ran.add("ran")), 0).run();

        assertThat(ran).isEmpty();
    }
}
