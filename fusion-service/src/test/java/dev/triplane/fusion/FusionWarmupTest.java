package dev.triplane.fusion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.fusion.FusionRule;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.synthetic.SyntheticScan;
import dev.triplane.infra.ObjectKeys;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The warm-up runs the real fusion step: three axes agreeing with the labels fuse back to those labels. */
class FusionWarmupTest {

    @TempDir
    Path work;

    private static final NiftiReader READER = new NiftiReader(ReadLimits.defaults());

    @Test
    void fusesTheSyntheticScanBackToItsLabelsOnItsGrid() {
        SyntheticScan scan = SyntheticScan.create();
        FusionWarmup warmup = new FusionWarmup(new RequestFusion(READER, ObjectKeys.load(), FusionRule.MEAN_LOGIT,
                Long.MAX_VALUE, work, true), ObjectKeys.load());

        RequestFusion.Fused fused = warmup.fuse(scan);

        assertThat(fused.event().axes()).containsExactly(Axis.values());
        NiftiImage segmentation = READER.read(fused.segmentation());
        assertThat(segmentation.grid()).isEqualTo(scan.labels().grid());
        assertThat(segmentation.toLabelVolume().labels()).containsExactly(scan.labels().labels());
    }
}
