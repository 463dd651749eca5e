package dev.triplane.core.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemoryPolicyTest {

    @Test
    void presetsFollowTheMethod() {
        assertThat(MemoryPolicy.presetNames()).containsExactly("np", "baseline", "sps", "is", "is+sps");
        MemoryPolicy np = MemoryPolicy.parse("np");
        assertThat(np.promptedOnly()).isTrue();
        MemoryPolicy baseline = MemoryPolicy.parse("baseline");
        assertThat(baseline).isEqualTo(new MemoryPolicy("baseline", 6, Double.NaN, 16, false,
                MergeRule.LAST_PASS_WINS, 0));
        assertThat(baseline.filtersConditioningFrames()).isFalse();
        assertThat(MemoryPolicy.parse("sps").conditioningTau()).isEqualTo(0.3);
        assertThat(MemoryPolicy.parse("is").numRecentFrames()).isEqualTo(2);
        MemoryPolicy both = MemoryPolicy.parse("IS+SPS");
        assertThat(both.numRecentFrames()).isEqualTo(2);
        assertThat(both.conditioningTau()).isEqualTo(0.3);
        assertThat(both.promptedOnly()).isFalse();
    }

    @Test
    void overridesAreAppliedAndNamedCanonically() {
        MemoryPolicy p = MemoryPolicy.parse(" is+sps , passes=1,merge=Max-Logit, w=3 ,tau=0.25,ptrs=8");
        assertThat(p).isEqualTo(new MemoryPolicy("is+sps,w=3,tau=0.25,ptrs=8,merge=max-logit,passes=1", 3, 0.25,
                8, false, MergeRule.MAX_LOGIT, 1));
        assertThat(MemoryPolicy.parse(p.name())).isEqualTo(p);
        MemoryPolicy all = MemoryPolicy.parse("sps,tau=all");
        assertThat(all.filtersConditioningFrames()).isFalse();
        assertThat(all.name()).isEqualTo("sps,tau=all");
        assertThat(MemoryPolicy.parse("baseline,w=0,tau=1").name()).isEqualTo("baseline,w=0,tau=1");
    }

    @Test
    void aListAttachesEachOverrideToThePresetBeforeIt() {
        assertThat(MemoryPolicy.parseList("np, baseline,is,w=3,merge=nearest-prompt,sps").stream()
                .map(MemoryPolicy::name)).containsExactly("np", "baseline", "is,w=3,merge=nearest-prompt", "sps");
        assertThatThrownBy(() -> MemoryPolicy.parseList("w=3,is")).hasMessageContaining("follows no preset");
        assertThatThrownBy(() -> MemoryPolicy.parseList(" , ")).hasMessageContaining("no policy");
        assertThatThrownBy(() -> MemoryPolicy.parseList("is,fast"))
                .hasMessageContaining("unknown policy preset 'fast'");
    }

    @Test
    void badSpecsNameTheProblem() {
        assertThatThrownBy(() -> MemoryPolicy.parse("fast")).hasMessageContaining("'fast'")
                .hasMessageContaining("[np, baseline, sps, is, is+sps]");
        assertThatThrownBy(() -> MemoryPolicy.parse("is,w=7")).hasMessageContaining("w=7 outside 0..6");
        assertThatThrownBy(() -> MemoryPolicy.parse("is,window=3")).hasMessageContaining("'window=3'");
        assertThatThrownBy(() -> MemoryPolicy.parse("is,w=two")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> MemoryPolicy.parse("sps,tau=-0.1")).hasMessageContaining("tau=-0.1");
        assertThatThrownBy(() -> MemoryPolicy.parse("sps,ptrs=1")).hasMessageContaining("ptrs=1");
        assertThatThrownBy(() -> MemoryPolicy.parse("sps,merge=mean")).hasMessageContaining("'mean'");
        assertThatThrownBy(() -> MemoryPolicy.parse("sps,w=1,w=2")).hasMessageContaining("twice");
        assertThatThrownBy(() -> MemoryPolicy.parse("sps,passes=-1")).hasMessageContaining("passes=-1");
    }
}
