package dev.triplane.infra.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.infra.Topic;
import dev.triplane.infra.storage.ObjectStoreException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The policy of every {@link Reason}, as one table: how it is retried, the status it ends a request with at ingest
 * and after, the topics its end is published on (always {@code triplane.errors} and {@code triplane.status}) and,
 * per stage, whether its record goes to the DLT. Each row is checked against the enum, against the events of
 * {@link RequestEnd}, and for a listener's record (axis-worker; metrics-service shares the path) against what the
 * error handler does with a failure of that reason on a fake broker. Plain JUnit, no broker.
 */
class ReasonPolicyTest {

    /** reason, retry, status at ingest, status after, DLT at INGEST, AXIS_WORKER, FUSION, METRICS. */
    private static final String TABLE = """
            BAD_MAGIC             NONE            REJECTED FAILED  no  DLT no  DLT
            BAD_HEADER            NONE            REJECTED FAILED  no  DLT no  DLT
            BAD_DIMENSIONS        NONE            REJECTED FAILED  no  DLT no  DLT
            UNSUPPORTED_DATATYPE  NONE            REJECTED FAILED  no  DLT no  DLT
            TOO_LARGE             NONE            REJECTED FAILED  no  DLT no  DLT
            TRUNCATED             NONE            REJECTED FAILED  no  DLT no  DLT
            INFLATE_LIMIT         NONE            REJECTED FAILED  no  DLT no  DLT
            CORRUPT_GZIP          NONE            REJECTED FAILED  no  DLT no  DLT
            NON_FINITE_VOXELS     NONE            REJECTED FAILED  no  DLT no  DLT
            BAD_SPACING           NONE            REJECTED FAILED  no  DLT no  DLT
            NOT_A_LABEL_MAP       NONE            REJECTED FAILED  no  DLT no  DLT
            GRID_MISMATCH         NONE            REJECTED FAILED  no  DLT no  DLT
            IO_ERROR              OUTAGE_BACKOFF  REJECTED FAILED  no  DLT no  DLT
            RESOURCE_LIMIT        NONE            REJECTED FAILED  no  DLT no  DLT
            DICOM_UNSUPPORTED_SYNTAX NONE         REJECTED FAILED  no  DLT no  DLT
            DICOM_MIXED_SERIES    NONE            REJECTED FAILED  no  DLT no  DLT
            DICOM_MISSING_SLICE   NONE            REJECTED FAILED  no  DLT no  DLT
            DICOM_DUPLICATE_SLICE NONE            REJECTED FAILED  no  DLT no  DLT
            DICOM_UNEVEN_SPACING  NONE            REJECTED FAILED  no  DLT no  DLT
            DICOM_GANTRY_TILT     NONE            REJECTED FAILED  no  DLT no  DLT
            DICOM_NOT_CT          NONE            REJECTED FAILED  no  DLT no  DLT
            NO_SUCH_OBJECT        NONE            REJECTED FAILED  no  DLT no  DLT
            STRUCTURE_ABSENT      NONE            REJECTED FAILED  no  DLT no  DLT
            BAD_PROMPT_FILE       NONE            REJECTED FAILED  no  DLT no  DLT
            NO_SUCH_MODEL         NONE            REJECTED FAILED  no  DLT no  DLT
            RULE_AXIS_MISSING     NONE            REJECTED FAILED  no  DLT no  DLT
            AXIS_TIMEOUT          NONE            REJECTED FAILED  no  DLT no  DLT
            NO_PROMPTS            NONE            REJECTED FAILED  no  DLT no  DLT
            BAD_PROMPTS           NONE            REJECTED FAILED  no  DLT no  DLT
            UNPROMPTED_AXIS       NONE            REJECTED FAILED  no  DLT no  DLT
            CASCADE_EMPTY         NONE            REJECTED FAILED  no  DLT no  DLT
            BAD_REQUEST           NONE            REJECTED FAILED  no  DLT no  DLT
            UNKNOWN_REQUEST       NONE            REJECTED FAILED  no  DLT no  DLT
            BAD_CORRECTION        NONE            REJECTED FAILED  no  DLT no  DLT
            BAD_OBJECT_KEY        NONE            REJECTED FAILED  no  DLT no  DLT
            BAD_RECORD            NONE            REJECTED FAILED  DLT DLT DLT DLT
            RETRIES_EXHAUSTED     ATTEMPTS        REJECTED FAILED  no  DLT no  DLT
            UNAVAILABLE           OUTAGE_BACKOFF  REJECTED FAILED  no  DLT no  DLT
            WORKER_CRASHED        NONE            REJECTED FAILED  no  DLT no  DLT
            """;

    private static final Map<Reason, String[]> ROWS = TABLE.lines().map(l -> l.trim().split("\\s+"))
            .collect(Collectors.toMap(r -> Reason.valueOf(r[0]), Function.identity()));

    @Test
    void theTableHasARowForEveryReason() {
        assertThat(ROWS.keySet()).containsExactlyInAnyOrder(Reason.values());
    }

    @ParameterizedTest
    @EnumSource(Reason.class)
    void theReasonCarriesItsRowsPolicy(Reason reason) {
        String[] row = ROWS.get(reason);
        assertThat(reason.retry()).isEqualTo(Reason.Retry.valueOf(row[1]));
        assertThat(reason.retryable()).isEqualTo(reason.retry() == Reason.Retry.OUTAGE_BACKOFF);
        assertThat(reason.terminal(Stage.INGEST)).isEqualTo(VolumeStatus.State.valueOf(row[2]));
        for (Stage stage : List.of(Stage.AXIS_WORKER, Stage.FUSION, Stage.METRICS)) {
            assertThat(reason.terminal(stage)).isEqualTo(VolumeStatus.State.valueOf(row[3]));
        }
        for (Stage stage : Stage.values()) {
            assertThat(reason.deadLettered(stage)).as(reason + " at " + stage)
                    .isEqualTo(row[4 + stage.ordinal()].equals("DLT"));
        }
    }

    @ParameterizedTest
    @EnumSource(Reason.class)
    void itsEndIsAnErrorEventAndTheTerminalStatusOnTheirTopics(Reason reason) {
        for (Stage stage : Stage.values()) {
            RequestEnd end = RequestEnd.of(stage, reason, "volumes/v/image.nii.gz", "why", "v", "r1", List.of());

            assertThat(end.events()).extracting(Outbound::topic).containsExactly(Topic.ERRORS, Topic.STATUS);
            ErrorEvent error = end.error();
            assertThat(error.reason()).isEqualTo(reason);
            assertThat(error.stage()).isEqualTo(stage);
            assertThat(error.retryable()).isEqualTo(reason.retryable());
            VolumeStatus status = (VolumeStatus) end.events().get(1).event();
            assertThat(status.state()).isEqualTo(reason.terminal(stage));
            assertThat(status.detail()).isEqualTo(reason + ": why");
            assertThat(end.key()).isEqualTo("v");
        }
    }

    @ParameterizedTest
    @EnumSource(Reason.class)
    void aListenersRecordFailingForItIsRetriedAsTheRowSaysThenEndsAndIsDeadLettered(Reason reason) {
        DeadLetterErrorHandlersTest broker = new DeadLetterErrorHandlersTest();
        broker.handler();
        Exception failure = DeadLetterErrorHandlersTest.failed(switch (reason.retry()) {
            case NONE -> new BadInputException("object", reason, "bad", null);
            case ATTEMPTS -> new IllegalStateException("a bug");
            case OUTAGE_BACKOFF -> reason == Reason.UNAVAILABLE ? new ObjectStoreException("down", null, true)
                    : BadInputException.of(new InvalidVolumeException("object", reason, "stream broke"));
        });

        int attempts = 0;
        boolean ended = false;
        while (!ended && attempts < 5) {
            attempts++;
            ended = broker.handler.handleOne(failure, broker.record, broker.consumer, broker.container);
        }

        switch (reason.retry()) {
            case NONE -> {
                assertThat(attempts).isEqualTo(1);
                broker.assertEnded(reason, "object", "bad");
            }
            case ATTEMPTS -> {
                assertThat(attempts).isEqualTo(3);
                broker.assertEnded(reason, "image", "failed 3 times");
            }
            case OUTAGE_BACKOFF -> {
                // still backing off after more attempts than max-attempts (the outage backoff lasts 2 min)
                assertThat(ended).isFalse();
                assertThat(broker.sends).isEmpty();
                return;
            }
        }
        assertThat(broker.sends).extracting(s -> s.substring(0, s.indexOf(' '))).containsExactly(
                "triplane.errors", "triplane.status", "triplane.axis-jobs.dlt@2");
        assertThat(reason.deadLettered(Stage.AXIS_WORKER)).isTrue();
    }

    @Test
    void onlyAnOutageIsRetryableInTheErrorEvent() {
        assertThat(Arrays.stream(Reason.values()).filter(Reason::retryable))
                .containsExactlyInAnyOrder(Reason.IO_ERROR, Reason.UNAVAILABLE);
    }
}
