package dev.triplane.ingest;

import dev.triplane.core.events.Reason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.prompts.PromptCoverage;
import dev.triplane.core.prompts.PromptFile;
import dev.triplane.core.prompts.PromptFileException;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.synthetic.FuzzCorpus;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzz corpus through ingest's validation in-process (no broker): {@link Ingestor#check(NiftiReader, Scan)}
 * on image and labels, then the prompt file as {@link Ingestor} reads it. Every sample must end valid or in a
 * typed refusal ({@link InvalidVolumeException} with its reason, {@link PromptFileException}) that names the file
 * at fault, never another exception or error; where the corpus knows the answer it must be that one. Each sample
 * may allocate only what the read limits allow, and the heap after the corpus returns to its level before. Runs
 * in the {@code fuzz} surefire execution, on a small heap (ingest-service's pom).
 */
class IngestValidationFuzzTest {

    /** Seed of the corpus; {@code -Dtriplane.fuzz.seed=N} runs another. */
    static final long SEED = Long.getLong("triplane.fuzz.seed", 13);
    /** Small limits, so a file declaring more than it holds costs little before it is refused. */
    static final ReadLimits LIMITS = new ReadLimits(4L << 20, 8L << 20);
    /** Every kind 12 times: more than 500 files. */
    static final int COUNT = 12 * FuzzCorpus.kinds();
    /** What one sample may allocate: the voxels within the limit, their int32 label copy and the read buffers. */
    private static final long MAX_ALLOCATED = 8 * LIMITS.maxVoxelBytes() + (32L << 20);
    /**
     * What a prompt file may allocate beyond that per byte: its parsed tree and prompts (a point of 30 bytes
     * becomes a few hundred in objects); bounding the file's size bounds this.
     */
    private static final long PROMPT_ALLOCATION_PER_BYTE = 64;
    private static final long HEAP_SLACK = 16L << 20;

    @Test
    void everyMutatedScanIsValidOrRefusedWithItsReason(@TempDir Path dir) throws IOException {
        NiftiReader reader = new NiftiReader(LIMITS);
        LabelTable table = LabelTable.totalSegmentatorV2();
        FuzzCorpus corpus = new FuzzCorpus(SEED, LIMITS);
        Map<String, Integer> byOutcome = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        long heapBefore = usedHeapAfterGc();

        for (int i = 0; i < COUNT; i++) {
            FuzzCorpus.Sample sample = corpus.sample(i);
            Scan scan = write(dir, sample);
            long allocatedBefore = allocatedBytes();
            String outcome;
            try {
                outcome = validate(reader, table, scan);
            } catch (InvalidVolumeException e) {
                outcome = e.reason().name();
                if (!e.object().equals(scan.imageSource()) && !e.object().equals(scan.labelsSource())) {
                    wrong.add(describe(sample) + " names " + e.object());
                }
            } catch (PromptFileException e) {
                outcome = Reason.BAD_PROMPTS.name();
                if (!e.source().equals(scan.promptsSource())) {
                    wrong.add(describe(sample) + " names " + e.source());
                }
            } catch (RuntimeException | Error e) {
                outcome = e.getClass().getSimpleName();
                wrong.add(describe(sample) + " threw " + e);
            }
            long allocated = allocatedBytes() - allocatedBefore;
            long allowed = MAX_ALLOCATED
                    + (sample.prompts() == null ? 0 : PROMPT_ALLOCATION_PER_BYTE * sample.prompts().length);
            if (allocated > allowed) {
                wrong.add(describe(sample) + " allocated " + allocated + " bytes (" + outcome + ")");
            }
            if (sample.expected() != null && !sample.expected().equals(outcome)) {
                wrong.add(describe(sample) + " ended " + outcome + ", expected " + sample.expected());
            }
            byOutcome.merge(outcome, 1, Integer::sum);
            for (Path file : new Path[] {scan.image(), scan.labels(), scan.prompts()}) {
                if (file != null) {
                    Files.delete(file);
                }
            }
        }
        long heapAfter = usedHeapAfterGc();

        System.out.printf("fuzz corpus seed %d, %d files in-process, outcomes by reason: %s%n", SEED, COUNT, byOutcome);
        System.out.printf("heap after GC: %d KiB before, %d KiB after%n", heapBefore >> 10, heapAfter >> 10);
        assertThat(wrong).isEmpty();
        assertThat(byOutcome.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(COUNT);
        assertThat(byOutcome).containsKeys(FuzzCorpus.VALID, Reason.BAD_PROMPTS.name(), "TRUNCATED", "CORRUPT_GZIP",
                "INFLATE_LIMIT", "GRID_MISMATCH", "NOT_A_LABEL_MAP", "BAD_HEADER", "TOO_LARGE");
        assertThat(heapAfter).isLessThan(heapBefore + HEAP_SLACK);
    }

    /**
     * Ingest's validation of one drop: image and labels, then the prompt file against the image's grid, and under
     * the default request (every prompted structure, every axis) a prompt for each structure on some axis (the
     * others come from a cascade's first stage).
     */
    static String validate(NiftiReader reader, LabelTable table, Scan scan) throws IOException {
        Ingestor.Checked checked = Ingestor.check(reader, scan);
        if (scan.prompts() != null) {
            try (InputStream in = Files.newInputStream(scan.prompts())) {
                List<StructurePrompts> prompts = PromptFile.read(in, scan.promptsSource(), checked.grid(), table);
                int[] structures = prompts.stream().mapToInt(StructurePrompts::structureId).distinct().toArray();
                if (!PromptCoverage.promptedNowhere(prompts, structures, List.of(Axis.values())).isEmpty()) {
                    return Reason.UNPROMPTED_AXIS.name();
                }
            }
        }
        return FuzzCorpus.VALID;
    }

    /** The sample's files in {@code dir}, named as an inbox drop names them. */
    static Scan write(Path dir, FuzzCorpus.Sample sample) throws IOException {
        String folder = "fuzz/" + sample.index() + "/";
        Path image = Files.write(dir.resolve(sample.index() + "-" + sample.imageName()), sample.image());
        Path labels = sample.labels() == null ? null
                : Files.write(dir.resolve(sample.index() + "-ct_seg.nii.gz"), sample.labels());
        Path prompts = sample.prompts() == null ? null
                : Files.write(dir.resolve(sample.index() + "-ct.prompts.json"), sample.prompts());
        return new Scan(image, folder + sample.imageName(), labels, labels == null ? null : folder + "ct_seg.nii.gz",
                prompts, prompts == null ? null : folder + "ct.prompts.json");
    }

    static String describe(FuzzCorpus.Sample sample) {
        return "#" + sample.index() + " " + sample.mutation();
    }

    /** Heap in use after a full collection (System.gc() is one on the collectors the tests run). */
    static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Bytes this thread allocated so far (HotSpot's per-thread counter). */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
