package dev.triplane.ingest;

import dev.triplane.core.events.Reason;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /volumes/{id}/corrections} with a correction as its JSON body ({@link CorrectionIntake}): 202 with
 * the correctionId and the revision it produces (also for a correction sent before), 404 with
 * {@code UNKNOWN_REQUEST}, 422 with {@code BAD_CORRECTION}. Behind the API's security like every other path.
 */
@RestController
class CorrectionController {

    private final CorrectionIntake intake;

    CorrectionController(CorrectionIntake intake) {
        this.intake = intake;
    }

    @PostMapping(path = "/volumes/{volumeId}/corrections", consumes = "application/json")
    ResponseEntity<CorrectionIntake.Result> correct(@PathVariable String volumeId, @RequestBody byte[] body) {
        CorrectionIntake.Result result = intake.submit(volumeId, body, "upload:correction");
        HttpStatus status = result.outcome() != CorrectionIntake.Outcome.REJECTED ? HttpStatus.ACCEPTED
                : result.reason() == Reason.UNKNOWN_REQUEST ? HttpStatus.NOT_FOUND
                : HttpStatus.UNPROCESSABLE_CONTENT;
        return ResponseEntity.status(status).body(result);
    }
}
