package dev.triplane.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.triplane.core.events.Reason;
import dev.triplane.infra.service.VolumeStatusView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockMultipartFile;

/**
 * The upload's answer when ingesting fails unforeseen, with a fake ingestor: the upload ends REJECTED through
 * {@link Ingestor#gaveUp} (its error event and status) and the client gets a 500 naming the reason; an outage is
 * left to the 503 handler and ends nothing. The integration test ({@link IngestServiceTest}) covers the real paths.
 */
class VolumeControllerTest {

    @TempDir
    Path work;

    @Test
    void anUnforeseenFailureEndsTheUploadRejectedAndAnswers500WithTheReason() throws IOException {
        Ingestor ingestor = mock(Ingestor.class);
        IllegalStateException bug = new IllegalStateException("a bug");
        when(ingestor.ingest(any(), any())).thenThrow(bug);
        when(ingestor.gaveUp(any(), eq(1), eq(bug))).thenReturn(new IngestResult(IngestResult.Outcome.REJECTED,
                "v", null, Reason.RETRIES_EXHAUSTED, "failed: " + bug));

        ResponseEntity<VolumeController.Submitted> answer = controller(ingestor).submit(image(), null, null, null,
                null, null, null, null, null, null, null);

        assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        assertThat(answer.getBody().outcome()).isEqualTo(IngestResult.Outcome.REJECTED);
        assertThat(answer.getBody().reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
        assertThat(answer.getBody().detail()).contains("a bug");
        verify(ingestor).gaveUp(argThat(s -> s.imageSource().equals("upload:image")), eq(1), eq(bug));
        try (var left = Files.list(work)) {
            assertThat(left).as("the upload's local copies").isEmpty();
        }
    }

    @Test
    void anOutageIsNotTheUploadsEnd() {
        Ingestor ingestor = mock(Ingestor.class);
        when(ingestor.ingest(any(), any())).thenThrow(new IngestUnavailableException("store down", null));

        assertThatThrownBy(() -> controller(ingestor).submit(image(), null, null, null, null, null, null, null,
                null, null, null)).isInstanceOf(IngestUnavailableException.class);
        verify(ingestor, never()).gaveUp(any(), anyInt(), any());
    }

    private VolumeController controller(Ingestor ingestor) {
        IngestProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "triplane.ingest.inbox.work-dir", work.toString()))).bindOrCreate("triplane.ingest",
                IngestProperties.class);
        return new VolumeController(ingestor, mock(DicomIngest.class), mock(VolumeStatusView.class), properties);
    }

    private static MockMultipartFile image() {
        return new MockMultipartFile("image", "ct.nii.gz", "application/gzip", new byte[] {1, 2, 3});
    }
}
