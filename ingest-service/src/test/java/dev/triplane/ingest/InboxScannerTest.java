package dev.triplane.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.triplane.core.events.Reason;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.storage.ObjectInfo;
import dev.triplane.infra.storage.ObjectStore;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.ArgumentCaptor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.scheduling.TaskScheduler;
import tools.jackson.databind.json.JsonMapper;

/**
 * The scanner's passes with a fake store and ingestor: a scan failing with an unforeseen error does not hold up the
 * others, and after {@link InboxScanner#MAX_ATTEMPTS} passes it is rejected, so it ends in a terminal state (a
 * dropped correction too); a rejected drop stays rejected once, across restarts.
 */
class InboxScannerTest {

    private static final ObjectKeys KEYS = ObjectKeys.load();
    private static final IngestResult ACCEPTED = new IngestResult(IngestResult.Outcome.ACCEPTED, "v", "r", null, null);
    private static final IngestResult REJECTED = new IngestResult(IngestResult.Outcome.REJECTED, "v", null,
            Reason.BAD_HEADER, "bad");

    @TempDir
    Path work;

    @Test
    void aScanFailingUnforeseenIsRejectedAfterItsAttemptsWithoutHoldingUpTheOthers() {
        ObjectStore store = mock(ObjectStore.class);
        Ingestor ingestor = mock(Ingestor.class);
        String bad = KEYS.inboxPrefix() + "bad.nii.gz";
        String good = KEYS.inboxPrefix() + "good.nii.gz";
        when(store.list(KEYS.inboxPrefix())).thenReturn(List.of(info(bad), info(good)));
        when(store.get(any())).thenAnswer(call -> new ByteArrayInputStream(new byte[] {1}));
        IllegalStateException bug = new IllegalStateException("a bug");
        when(ingestor.ingest(argThat(s -> s.imageSource().equals(bad)), any())).thenThrow(bug);
        doReturn(ACCEPTED).when(ingestor).ingest(argThat(s -> s.imageSource().equals(good)), any());
        when(ingestor.gaveUp(any(), anyInt(), any())).thenReturn(REJECTED);
        InboxScanner scanner = scanner(store, ingestor);

        for (int pass = 1; pass < InboxScanner.MAX_ATTEMPTS; pass++) {
            assertThat(scanner.scan()).isEqualTo(pass == 1 ? 1 : 0);
        }
        verify(ingestor, times(1)).ingest(argThat(s -> s.imageSource().equals(good)), any());
        verify(ingestor, never()).gaveUp(any(), anyInt(), any());

        assertThat(scanner.scan()).isEqualTo(1);
        verify(ingestor).gaveUp(argThat(s -> s.imageSource().equals(bad)), eq(InboxScanner.MAX_ATTEMPTS), eq(bug));
        assertThat(scanner.scan()).isZero();
        verify(ingestor, times(InboxScanner.MAX_ATTEMPTS)).ingest(argThat(s -> s.imageSource().equals(bad)), any());
    }

    @Test
    void aRejectedDropIsMarkedSoARestartedServiceDoesNotRejectItAgain() {
        ObjectStore store = mock(ObjectStore.class);
        Ingestor ingestor = mock(Ingestor.class);
        String bad = KEYS.inboxPrefix() + "bad.nii.gz";
        when(store.list(KEYS.inboxPrefix())).thenReturn(List.of(info(bad)));
        when(store.get(any())).thenAnswer(call -> new ByteArrayInputStream(new byte[] {1}));
        when(ingestor.ingest(any(), any())).thenReturn(REJECTED);

        assertThat(scanner(store, ingestor).scan()).isEqualTo(1);
        ArgumentCaptor<String> marker = ArgumentCaptor.forClass(String.class);
        verify(store).put(marker.capture(), any(byte[].class), eq("application/json"));
        assertThat(marker.getValue()).startsWith("inbox-rejected/");

        when(store.exists(marker.getValue())).thenReturn(true);
        assertThat(scanner(store, ingestor).scan()).as("a restarted scanner skips the marked drop").isZero();
        verify(ingestor, times(1)).ingest(any(), any());
    }

    @Test
    void aDroppedCorrectionFailingUnforeseenEndsRejectedAfterItsAttempts() {
        ObjectStore store = mock(ObjectStore.class);
        CorrectionIntake corrections = mock(CorrectionIntake.class);
        String drop = KEYS.inboxPrefix() + "ct.corrections.json";
        when(store.list(KEYS.inboxPrefix())).thenReturn(List.of(info(drop)));
        when(store.get(any())).thenAnswer(call -> new ByteArrayInputStream(new byte[] {'{', '}'}));
        IllegalStateException bug = new IllegalStateException("a bug");
        when(corrections.submitDrop(any(), eq(drop))).thenThrow(bug);
        when(corrections.gaveUp(any(), anyInt(), any())).thenReturn(new CorrectionIntake.Result(
                CorrectionIntake.Outcome.REJECTED, "", null, null, 0, Reason.RETRIES_EXHAUSTED, "failed"));
        InboxScanner scanner = scanner(store, mock(Ingestor.class), corrections);

        for (int pass = 1; pass < InboxScanner.MAX_ATTEMPTS; pass++) {
            assertThat(scanner.scan()).isZero();
        }
        verify(corrections, never()).gaveUp(any(), anyInt(), any());
        assertThat(scanner.scan()).isEqualTo(1);
        verify(corrections).gaveUp(drop, InboxScanner.MAX_ATTEMPTS, bug);
        assertThat(scanner.scan()).as("not tried again").isZero();
        verify(corrections, times(InboxScanner.MAX_ATTEMPTS)).submitDrop(any(), eq(drop));
    }

    private InboxScanner scanner(ObjectStore store, Ingestor ingestor) {
        return scanner(store, ingestor, mock(CorrectionIntake.class));
    }

    private InboxScanner scanner(ObjectStore store, Ingestor ingestor, CorrectionIntake corrections) {
        IngestProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "triplane.ingest.inbox.work-dir", work.toString()))).bindOrCreate("triplane.ingest",
                IngestProperties.class);
        return new InboxScanner(store, KEYS, ingestor, mock(DicomIngest.class), corrections, properties,
                mock(TaskScheduler.class), JsonMapper.builder().build());
    }

    private static ObjectInfo info(String key) {
        return new ObjectInfo(key, 1, Instant.EPOCH, key.hashCode() + "");
    }
}
