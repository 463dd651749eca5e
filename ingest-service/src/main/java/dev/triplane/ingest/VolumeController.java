package dev.triplane.ingest;

import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.PublishException;
import dev.triplane.infra.storage.ObjectInfo;
import dev.triplane.infra.storage.ObjectStore;
import dev.triplane.infra.storage.ObjectStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /volumes}: multipart upload of {@code image} (with {@code labels} and/or a {@code prompts} file, see
 * {@link Ingestor#ingest}), optional {@code structures},
 * {@code policy}, {@code model} and {@code datasetTag} overriding the configured request; answers 202 with the
 * volumeId and requestId (also for a volume ingested before), 422 with the reason for invalid input, 400 for bad
 * parameters, 503 when the store or broker is unavailable.
 *
 * <p>{@code GET /volumes/{id}}: the requests of a volume and how far each got, read from the store (no topic is
 * consumed): {@code ACCEPTED} once its marker exists, {@code SEGMENTED} once its segmentation is stored,
 * {@code COMPLETED} once its metrics are; 404 for a volume never accepted. Live per-axis progress is on the
 * compacted {@code triplane.status} topic.
 */
@RestController
class VolumeController {

    private final Ingestor ingestor;
    private final ObjectStore store;
    private final ObjectKeys keys;
    private final JsonMapper json;
    private final IngestProperties properties;
    private final RequestSpec defaults;

    VolumeController(Ingestor ingestor, ObjectStore store, ObjectKeys keys, JsonMapper json,
            IngestProperties properties) {
        this.ingestor = ingestor;
        this.store = store;
        this.keys = keys;
        this.json = json;
        this.properties = properties;
        this.defaults = RequestSpec.of(properties.request());
    }

    /** The answer to an upload. */
    record Submitted(String volumeId, String requestId, IngestResult.Outcome outcome, String reason, String detail) {
    }

    /** One request of a volume and how far it got. */
    record RequestState(String requestId, String state, VolumeAccepted accepted) {
    }

    @PostMapping("/volumes")
    ResponseEntity<Submitted> submit(@RequestParam("image") MultipartFile image,
            @RequestParam(value = "labels", required = false) MultipartFile labels,
            @RequestParam(value = "prompts", required = false) MultipartFile prompts,
            @RequestParam(value = "structures", required = false) String structures,
            @RequestParam(value = "policy", required = false) String policy,
            @RequestParam(value = "model", required = false) String model,
            @RequestParam(value = "datasetTag", required = false) String datasetTag) throws IOException {
        RequestSpec request = defaults.with(structures, policy, model, datasetTag);
        Path imageFile = null;
        Path labelsFile = null;
        Path promptsFile = null;
        try {
            imageFile = copy(image);
            labelsFile = copy(labels);
            promptsFile = copy(prompts);
            IngestResult result = ingestor.ingest(new Scan(imageFile, source(image), labelsFile, source(labels),
                    promptsFile, source(prompts)), request);
            HttpStatus status = result.outcome() == IngestResult.Outcome.REJECTED
                    ? HttpStatus.UNPROCESSABLE_CONTENT : HttpStatus.ACCEPTED;
            return ResponseEntity.status(status).body(new Submitted(result.volumeId(), result.requestId(),
                    result.outcome(), result.reason(), result.detail()));
        } finally {
            for (Path file : new Path[] {imageFile, labelsFile, promptsFile}) {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    @GetMapping("/volumes/{volumeId}")
    ResponseEntity<Map<String, Object>> status(@PathVariable String volumeId) {
        if (!ObjectKeys.isVolumeId(volumeId)) {
            return ResponseEntity.badRequest().body(Map.of("error", "a volumeId is 64 lower-case hex digits"));
        }
        List<RequestState> requests = new ArrayList<>();
        for (ObjectInfo marker : store.list(keys.requestMarkers(volumeId))) {
            VolumeAccepted accepted;
            try (InputStream in = store.get(marker.key())) {
                accepted = json.readValue(in, VolumeAccepted.class);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String state = store.exists(keys.metrics(volumeId, accepted.requestId())) ? "COMPLETED"
                    : store.exists(keys.segmentation(volumeId, accepted.requestId())) ? "SEGMENTED" : "ACCEPTED";
            requests.add(new RequestState(accepted.requestId(), state, accepted));
        }
        if (requests.isEmpty()) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).body(Map.of("volumeId", volumeId, "error", "not accepted"));
        }
        return ResponseEntity.ok(Map.of("volumeId", volumeId, "requests", requests));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, String>> badParameter(IllegalArgumentException e) {
        return ResponseEntity.badRequest().body(Map.of("error", e.getMessage()));
    }

    @ExceptionHandler({IngestUnavailableException.class, PublishException.class, ObjectStoreException.class})
    ResponseEntity<Map<String, String>> unavailable(RuntimeException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("error", e.getMessage()));
    }

    /** A local copy of an uploaded part, or null for none. */
    private Path copy(MultipartFile part) throws IOException {
        if (part == null) {
            return null;
        }
        Path file = Files.createTempFile(properties.inbox().workDir(), "upload", ".part");
        part.transferTo(file);
        return file;
    }

    private static String source(MultipartFile part) {
        return part == null ? null : "upload:" + part.getOriginalFilename();
    }
}
