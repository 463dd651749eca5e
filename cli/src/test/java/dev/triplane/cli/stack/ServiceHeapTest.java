package dev.triplane.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each service runs on issue 12's heap budget unless a launch names another for it. */
class ServiceHeapTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void defaultsAreTheBudgetsAndALaunchOverridesOneServiceAlone() {
        LaunchSettings defaults = new LaunchSettings(ROOT, ROOT, ModelChoice.of(ROOT, null), null);
        assertThat(Service.INGEST.jvmOptions(defaults)).contains("-Xmx1g");
        assertThat(Service.AXIS_WORKER.jvmOptions(defaults)).contains("-Xmx4g");
        assertThat(Service.FUSION.jvmOptions(defaults)).contains("-Xmx2g");
        assertThat(Service.METRICS.jvmOptions(defaults)).contains("-Xmx1g", "-XX:+UseG1GC");

        LaunchSettings small = new LaunchSettings(ROOT, ROOT, ModelChoice.of(ROOT, null), null,
                Map.of(Service.FUSION, "512m", Service.AXIS_WORKER, "1g"));
        assertThat(Service.FUSION.jvmOptions(small)).contains("-Xmx512m").doesNotContain("-Xmx2g");
        assertThat(Service.AXIS_WORKER.jvmOptions(small)).contains("-Xmx1g");
        assertThat(Service.METRICS.jvmOptions(small)).contains("-Xmx1g");
    }

    @Test
    void refusesAHeapThatIsNotXmxSyntax() {
        assertThatThrownBy(() -> new LaunchSettings(ROOT, ROOT, ModelChoice.of(ROOT, null), null,
                Map.of(Service.FUSION, "512 MB")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fusion-service");
    }
}
