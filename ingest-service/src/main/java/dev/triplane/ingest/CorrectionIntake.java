package dev.triplane.ingest;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.Correction;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.core.labels.LabelTable;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.prompts.FramePrompt;
import dev.triplane.core.prompts.PromptFile;
import dev.triplane.core.prompts.PromptFileException;
import dev.triplane.core.prompts.StructurePrompts;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.EventPublisher;
import dev.triplane.infra.service.RequestEnd;
import dev.triplane.infra.storage.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Takes a correction of an already segmented request ({@code POST /volumes/{id}/corrections}, docs/prompts.md
 * *Corrections*): {@code {"requestId": ..., "prompts": <a prompt file or markups>}} whose prompts are one slice of
 * one structure of the request. Checked at the door: an unknown volume or request, or one not segmented yet, is
 * refused with {@code UNKNOWN_REQUEST}; anything but one slice of one of the request's structures on one of its
 * axes with {@code BAD_CORRECTION} (each with an error event; the request's status is left as it is). An accepted
 * correction gets the next revision (2 for the first), is stored under {@link ObjectKeys#correction} and sent to the
 * axis-workers as the axis' stored job carrying it. Its id is a digest of the request and the checked prompt, so the
 * same correction sent again answers with its revision and sends nothing.
 *
 * <p>Two different corrections of one request sent at the same instant may both take the same revision; they are
 * meant one after the other, as a clinician looks at each revision before correcting it.
 */
@Service
public class CorrectionIntake {

    private static final Logger LOG = LoggerFactory.getLogger(CorrectionIntake.class);

    /** What became of a correction. */
    public enum Outcome { ACCEPTED, ALREADY_ACCEPTED, REJECTED }

    /**
     * @param revision the revision the correction produces, 0 when rejected
     */
    public record Result(Outcome outcome, String volumeId, String requestId, String correctionId, int revision,
            Reason reason, String detail) {

        /** The drop as the inbox scanner accounts for it (a rejected one is remembered across restarts). */
        IngestResult asScanResult() {
            IngestResult.Outcome scan = switch (outcome) {
                case ACCEPTED -> IngestResult.Outcome.ACCEPTED;
                case ALREADY_ACCEPTED -> IngestResult.Outcome.ALREADY_INGESTED;
                case REJECTED -> IngestResult.Outcome.REJECTED;
            };
            return new IngestResult(scan, volumeId, requestId, reason, detail);
        }
    }

    private final ObjectStore store;
    private final ObjectKeys keys;
    private final NiftiReader reader;
    private final LabelTable table;
    private final EventPublisher events;
    private final JsonMapper json;

    public CorrectionIntake(ObjectStore store, ObjectKeys keys, NiftiReader reader, LabelTable table,
            EventPublisher events, JsonMapper json) {
        this.store = store;
        this.keys = keys;
        this.reader = reader;
        this.table = table;
        this.events = events;
        this.json = json;
    }

    /**
     * @param volumeId the volume corrected
     * @param body the correction as JSON
     * @param source names the correction in errors ({@code upload:correction}, or its inbox key)
     */
    public Result submit(String volumeId, byte[] body, String source) {
        if (!ObjectKeys.isVolumeId(volumeId) || !store.exists(keys.image(volumeId))) {
            return reject(volumeId, null, source, Reason.UNKNOWN_REQUEST, "no volume " + volumeId);
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            return reject(volumeId, null, source, Reason.BAD_CORRECTION, "not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode named = root == null ? null : root.get("volumeId");
        if (named != null && !volumeId.equals(named.asString(""))) {
            return reject(volumeId, null, source, Reason.BAD_CORRECTION, "the correction names volume "
                    + named.asString("") + ", not " + volumeId);
        }
        JsonNode rid = root == null ? null : root.get("requestId");
        JsonNode prompts = root == null ? null : root.get("prompts");
        if (rid == null || !rid.isString() || prompts == null || !prompts.isObject()) {
            return reject(volumeId, null, source, Reason.BAD_CORRECTION,
                    "a correction is {\"requestId\": ..., \"prompts\": {a prompt file}}");
        }
        String requestId = rid.asString();
        if (!ObjectKeys.isRequestId(requestId) || !store.exists(keys.request(volumeId, requestId))) {
            return reject(volumeId, null, source, Reason.UNKNOWN_REQUEST, "volume " + volumeId + " has no request "
                    + requestId);
        }
        if (!store.exists(keys.fusionDone(volumeId, requestId))) {
            return reject(volumeId, requestId, source, Reason.UNKNOWN_REQUEST, "request " + requestId
                    + " is not segmented yet; correct it once its segmentation is ready");
        }
        Grid grid;
        try (InputStream in = store.get(keys.image(volumeId))) {
            grid = reader.readHeader(in, keys.image(volumeId)).grid();
        } catch (IOException e) {
            throw new UncheckedIOException(keys.image(volumeId) + ": " + e.getMessage(), e);
        } catch (InvalidVolumeException e) {
            throw new IllegalStateException("stored image " + keys.image(volumeId) + " unreadable", e);
        }
        List<StructurePrompts> read;
        try {
            read = PromptFile.read(new ByteArrayInputStream(json.writeValueAsBytes(prompts)), source, grid, table);
        } catch (PromptFileException e) {
            return reject(volumeId, requestId, source, Reason.BAD_CORRECTION, e.getMessage());
        }
        if (read.size() != 1 || read.get(0).prompts().size() != 1) {
            return reject(volumeId, requestId, source, Reason.BAD_CORRECTION, "a correction is one slice of one "
                    + "structure on one axis (give \"axis\" and \"slice\", or an outline); these prompts give "
                    + read.stream().mapToInt(s -> s.prompts().size()).sum() + " slices");
        }
        FramePrompt prompt = read.get(0).prompts().get(0);
        VolumeAccepted request = read(keys.request(volumeId, requestId), VolumeAccepted.class);
        if (!request.structures().contains(prompt.structureId())) {
            return reject(volumeId, requestId, source, Reason.BAD_CORRECTION, "structure " + prompt.structureId()
                    + " is not one of request " + requestId + "'s " + request.structures());
        }
        String jobKey = keys.axisJob(volumeId, requestId, prompt.axis());
        if (!store.exists(jobKey)) {
            return reject(volumeId, requestId, source, Reason.BAD_CORRECTION, "request " + requestId
                    + " did not segment the " + prompt.axis().id() + " axis");
        }
        String promptFile = new String(PromptFile.canonical(read), StandardCharsets.UTF_8);
        String correctionId = ObjectKeys.volumeId((volumeId + "/" + requestId + "/" + promptFile)
                .getBytes(StandardCharsets.UTF_8));
        String key = keys.correction(volumeId, requestId, correctionId);
        if (store.exists(key)) {
            Correction earlier = read(key, Correction.class);
            LOG.info("{}: correction {} of request {} already accepted as revision {}", source, correctionId,
                    requestId, earlier.revision());
            return new Result(Outcome.ALREADY_ACCEPTED, volumeId, requestId, correctionId, earlier.revision(), null,
                    null);
        }
        int revision = 2 + store.list(keys.corrections(volumeId, requestId)).size();
        Correction correction = new Correction(Correction.CURRENT_VERSION, correctionId, revision,
                prompt.structureId(), prompt.axis(), prompt.frame(), promptFile);
        AxisJob job = read(jobKey, AxisJob.class).correcting(correction);
        store.put(key, json.writeValueAsBytes(correction), "application/json");
        events.await(source, List.of(events.publish(Topic.AXIS_JOBS, volumeId + "/" + job.axis().id(), job)));
        LOG.info("{}: correction {} of request {} accepted as revision {}", source, correctionId, requestId, revision);
        return new Result(Outcome.ACCEPTED, volumeId, requestId, correctionId, revision, null, null);
    }

    private <T> T read(String key, Class<T> type) {
        try (InputStream in = store.get(key)) {
            return json.readValue(in, type);
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
    }

    /**
     * A correction dropped in the inbox ({@code <name>.corrections.json}), which names its volume in
     * {@code "volumeId"}.
     */
    public Result submitDrop(byte[] body, String source) {
        String volumeId = "";
        try {
            JsonNode root = json.readTree(body);
            JsonNode named = root == null ? null : root.get("volumeId");
            volumeId = named == null ? "" : named.asString("");
        } catch (JacksonException e) {
            // refused below as naming no volume
        }
        return submit(volumeId, body, source);
    }

    /** Refuses a dropped correction too large to read ({@code TOO_LARGE}, the prompt file limit). */
    public Result tooLarge(String source, long maxBytes) {
        return reject("", null, source, Reason.TOO_LARGE, "a correction may hold at most " + maxBytes
                + " bytes (triplane.ingest.uploads.max-prompt-file-size)");
    }

    /** Refuses a dropped correction that kept failing for an unforeseen reason ({@code RETRIES_EXHAUSTED}). */
    public Result gaveUp(String source, int attempts, RuntimeException failure) {
        return reject("", null, source, Reason.RETRIES_EXHAUSTED, Ingestor.gaveUpDetail(attempts, failure));
    }

    /** The error event of a refused correction; the request's status stays (its revisions stand). */
    private Result reject(String volumeId, String requestId, String source, Reason reason, String detail) {
        events.end(ObjectKeys.isVolumeId(volumeId)
                ? RequestEnd.of(Stage.INGEST, reason, source, detail, volumeId, requestId, List.of()).errorOnly()
                : RequestEnd.ofRecord(Stage.INGEST, reason, source, detail));
        return new Result(Outcome.REJECTED, volumeId, requestId, null, 0, reason, detail);
    }
}
