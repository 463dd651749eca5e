package dev.triplane.core.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemoryModelTest {

    /** 512 x 512 x 300: the clinical scan of the scale benchmark. */
    private static final Grid CLINICAL = Grid.ofSpacing(512, 512, 300, 0.8, 0.8, 2.5);
    private static final long V = 512L * 512 * 300;

    @Test
    void theWorkerHoldsFourVolumesAndABankAndAnIndexPerStructure() {
        MemoryModel model = new MemoryModel(1000);

        assertThat(model.worker(CLINICAL, 0)).isEqualTo(16 * V);
        assertThat(model.worker(CLINICAL, 117)).isEqualTo(16 * V + 117 * (1000 + 28 * 512));
    }

    @Test
    void fusionHoldsTwentyBytesPerVoxelWhateverTheStructureCount() {
        assertThat(MemoryModel.sam2().fusion(CLINICAL)).isEqualTo(20 * V);
    }

    @Test
    void metricsHoldTwoIntMapsAndOneStoredMapOnlyWithLabels() {
        assertThat(MemoryModel.sam2().metrics(CLINICAL, 1)).isEqualTo(9 * V);
        assertThat(MemoryModel.sam2().metrics(CLINICAL, 0)).isZero();
    }

    @Test
    void aClinicalScanWith117StructuresFitsTheDefaultHeapsAtFourFifths() {
        MemoryModel model = MemoryModel.sam2();
        long gib = 1L << 30;

        assertThat(model.worker(CLINICAL, 117)).isLessThan(4 * gib * 8 / 10);
        assertThat(model.fusion(CLINICAL)).isLessThan(2 * gib * 8 / 10);
        assertThat(model.metrics(CLINICAL, 1)).isLessThan(gib * 8 / 10);
    }

    @Test
    void eachServiceOverItsBudgetIsNamedWithItsEstimate() {
        MemoryModel model = new MemoryModel(0);
        long mib = 1L << 20;
        // V = 75 Mi voxels: worker 1200 MiB and an index of 14 KiB, fusion 1500 MiB, metrics 675 MiB
        MemoryModel.Budgets budgets = new MemoryModel.Budgets(1201 * mib, 1499 * mib, 674 * mib);

        assertThat(model.overBudget(CLINICAL, 1, 1, budgets)).containsExactly(
                "fusion-service: estimated 1500 MiB over its budget of 1499 MiB",
                "metrics-service: estimated 675 MiB over its budget of 674 MiB");
        assertThat(model.overBudget(CLINICAL, 1, 0, new MemoryModel.Budgets(1201 * mib, 1500 * mib, 0))).isEmpty();
    }

    @Test
    void aNegativeBankIsRefused() {
        assertThatThrownBy(() -> new MemoryModel(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
