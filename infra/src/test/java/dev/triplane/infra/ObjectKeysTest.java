package dev.triplane.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.geometry.Axis;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ObjectKeysTest {

    /** SHA-256("abc"), FIPS 180-2 appendix B.1. */
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private final ObjectKeys keys = ObjectKeys.load();

    @Test
    void volumeIdIsTheSha256OfTheBytes() throws IOException {
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        assertThat(ObjectKeys.volumeId(abc)).isEqualTo(ABC);
        assertThat(ObjectKeys.volumeId(new ByteArrayInputStream(abc))).isEqualTo(ABC);
    }

    @Test
    void streamedVolumeIdSpansBufferBoundaries() throws IOException {
        byte[] large = new byte[200_000];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) (i * 31);
        }
        assertThat(ObjectKeys.volumeId(new ByteArrayInputStream(large))).isEqualTo(ObjectKeys.volumeId(large));
    }

    @Test
    void userNamesWithParentSegmentsControlCharactersOrOver1024BytesAreRefused() {
        assertThat(ObjectKeys.unsafeName("inbox/ct/scan..v2/a..b.nii.gz")).isEmpty();
        assertThat(ObjectKeys.unsafeName("inbox/\u00e9t\u00e9/" + "x".repeat(1000))).isEmpty(); // 1012 bytes
        assertThat(ObjectKeys.unsafeName("inbox/../volumes/x.nii.gz")).contains("has a '..' path segment");
        assertThat(ObjectKeys.unsafeName("..")).contains("has a '..' path segment");
        assertThat(ObjectKeys.unsafeName("inbox\\..\\x.nii")).contains("has a '..' path segment");
        assertThat(ObjectKeys.unsafeName("inbox/a\nFAKE LOG LINE.nii")).contains("holds a control character");
        assertThat(ObjectKeys.unsafeName("inbox/a\u0085.nii")).contains("holds a control character");
        assertThat(ObjectKeys.unsafeName("inbox/" + "\u00e9".repeat(510))).contains("longer than 1024 bytes of UTF-8");

        assertThat(ObjectKeys.printable("inbox/a\nb\u0000.nii")).isEqualTo("inbox/a\\u000ab\\u0000.nii");
        assertThat(ObjectKeys.printable("y".repeat(300))).isEqualTo("y".repeat(200) + "...");
    }

    @Test
    void revisionsAfterTheFirstHaveKeysOfTheirOwnAndRevisionOneKeepsTheRequestsKeys() {
        assertThat(keys.logits(ABC, "r1", Axis.AXIAL, 1)).isEqualTo(keys.logits(ABC, "r1", Axis.AXIAL));
        assertThat(keys.segmentation(ABC, "r1", 1)).isEqualTo(keys.segmentation(ABC, "r1"));
        assertThat(keys.fusionDone(ABC, "r1", 1)).isEqualTo(keys.fusionDone(ABC, "r1"));
        assertThat(keys.logits(ABC, "r1", Axis.AXIAL, 2)).isEqualTo("logits/" + ABC + "/r1/r2/axial.bin");
        assertThat(keys.segmentation(ABC, "r1", 3)).isEqualTo("results/" + ABC + "/r1/r3/segmentation.nii.gz");
        assertThat(keys.uncertainty(ABC, "r1", 2)).isEqualTo("results/" + ABC + "/r1/r2/uncertainty.nii.gz");
        assertThat(keys.fusionDone(ABC, "r1", 2)).isEqualTo("results/" + ABC + "/r1/r2/fusion-done.json");
        assertThat(keys.correction(ABC, "r1", ABC)).isEqualTo("volumes/" + ABC + "/corrections/r1/" + ABC + ".json")
                .startsWith(keys.corrections(ABC, "r1"));
        assertThat(keys.axisJob(ABC, "r1", Axis.SAGITTAL)).isEqualTo("logits/" + ABC + "/r1/sagittal.job.json");
        assertThatThrownBy(() -> keys.segmentation(ABC, "r1", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.correction(ABC, "r1", "../x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysFollowTheMethodLayout() {
        assertThat(keys.bucket()).isEqualTo("triplane");
        assertThat(keys.inboxPrefix()).isEqualTo("inbox/");
        assertThat(keys.image(ABC)).isEqualTo("volumes/" + ABC + "/image.nii.gz");
        assertThat(keys.labels(ABC)).isEqualTo("volumes/" + ABC + "/labels.nii.gz");
        assertThat(keys.request(ABC, "r1")).isEqualTo("volumes/" + ABC + "/requests/r1.json");
        assertThat(keys.requestMarkers(ABC)).isEqualTo("volumes/" + ABC + "/requests/");
        assertThat(keys.prompts(ABC, "r1")).isEqualTo("volumes/" + ABC + "/prompts/r1.json");
        assertThat(keys.logits(ABC, "r1", Axis.CORONAL)).isEqualTo("logits/" + ABC + "/r1/coronal.bin");
        assertThat(keys.segmentation(ABC, "r1")).isEqualTo("results/" + ABC + "/r1/segmentation.nii.gz");
        assertThat(keys.dicomSource(ABC)).isEqualTo("volumes/" + ABC + "/dicom-source.json");
        assertThat(keys.dicomSegmentation(ABC, "r1")).isEqualTo("results/" + ABC + "/r1/segmentation.dcm");
        assertThat(keys.dicomSegmentation(ABC, "r1", 1)).isEqualTo(keys.dicomSegmentation(ABC, "r1"));
        assertThat(keys.dicomSegmentation(ABC, "r1", 3)).isEqualTo("results/" + ABC + "/r1/r3/segmentation.dcm");
        assertThat(keys.uncertainty(ABC, "r1")).isEqualTo("results/" + ABC + "/r1/uncertainty.nii.gz");
        assertThat(keys.fusionDone(ABC, "r1")).isEqualTo("results/" + ABC + "/r1/fusion-done.json");
        assertThat(keys.metrics(ABC, "r1")).isEqualTo("results/" + ABC + "/r1/metrics.json");
    }

    @Test
    void rejectsIdsThatWouldBreakKeys() {
        assertThatThrownBy(() -> keys.image(ABC.toUpperCase())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.image("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.segmentation(ABC, "a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.segmentation(ABC, ".hidden")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.metrics(ABC, "x".repeat(65))).isInstanceOf(IllegalArgumentException.class);
        assertThat(ObjectKeys.isRequestId("2026-11-23T11.20_a")).isTrue();
    }

    @Test
    void rejectsTemplatesWithWrongPlaceholders() {
        String json = """
                {"version": 1, "bucket": "b", "objectKeys": {"inbox": "inbox/",
                 "image": "volumes/{volumeId}/{axis}.nii.gz", "labels": "l/{volumeId}",
                 "logits": "g/{volumeId}/{requestId}/{axis}", "segmentation": "s/{volumeId}/{requestId}",
                 "uncertainty": "u/{volumeId}/{requestId}", "metrics": "m/{volumeId}/{requestId}"}}""";
        assertThatThrownBy(() -> ObjectKeys.from(TopicsTest.parse(json)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'image'");
    }
}
