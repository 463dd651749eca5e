package dev.triplane.core.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import java.io.ByteArrayInputStream;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FuzzCorpusTest {

    private static final ReadLimits LIMITS = new ReadLimits(4L << 20, 8L << 20);

    @Test
    void aSampleIsTheSameBytesForItsSeedAndIndexAndOthersDiffer() {
        FuzzCorpus.Sample a = new FuzzCorpus(7, LIMITS).sample(40);
        FuzzCorpus.Sample again = new FuzzCorpus(7, LIMITS).sample(40);
        FuzzCorpus.Sample otherSeed = new FuzzCorpus(8, LIMITS).sample(40);

        assertThat(again.image()).isEqualTo(a.image());
        assertThat(again.labels()).isEqualTo(a.labels());
        assertThat(again.prompts()).isEqualTo(a.prompts());
        assertThat(again.expected()).isEqualTo(a.expected());
        assertThat(otherSeed.mutation()).isEqualTo(a.mutation());
        assertThat(otherSeed.image()).isNotEqualTo(a.image());
    }

    @Test
    void everyRunOfKindsConsecutiveSamplesCoversEveryKindAndValidImagesAreDistinct() {
        FuzzCorpus corpus = new FuzzCorpus(3, LIMITS);
        Set<String> kinds = new HashSet<>();
        Set<String> validImages = new HashSet<>();
        NiftiReader reader = new NiftiReader(LIMITS);
        for (int i = 5; i < 5 + FuzzCorpus.kinds(); i++) {
            FuzzCorpus.Sample sample = corpus.sample(i);
            kinds.add(sample.mutation());
            assertThat(sample.labels() != null || sample.prompts() != null).as("labels or prompts").isTrue();
            if ("valid".equals(sample.mutation())) {
                NiftiImage image = reader.read(new ByteArrayInputStream(sample.image()), "image");
                assertThat(image.grid()).isEqualTo(SyntheticScan.create().image().grid());
                assertThat(image.header().descrip()).isEqualTo("fuzz 3 #" + i);
            }
            if (FuzzCorpus.VALID.equals(sample.expected())) {
                validImages.add(new String(sample.image(), java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        assertThat(kinds).hasSize(FuzzCorpus.kinds());
        long valid = IntStream.range(5, 5 + FuzzCorpus.kinds())
                .filter(i -> FuzzCorpus.VALID.equals(corpus.sample(i).expected())).count();
        assertThat(validImages).as("ingest takes each valid image as a volume of its own").hasSize((int) valid);
    }
}
