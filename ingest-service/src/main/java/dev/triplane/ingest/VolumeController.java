package dev.triplane.ingest;

import dev.triplane.core.events.Reason;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.PublishException;
import dev.triplane.infra.service.VolumeStatusView;
import dev.triplane.infra.storage.ObjectStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code POST /volumes}: multipart upload of {@code image} (a NIfTI file, or a zip of a DICOM study, one volume per
 * CT series: {@link DicomIngest}; told by its content), with {@code labels} and/or a {@code prompts} file (see
 * {@link Ingestor#ingest}), optional {@code structures},
 * {@code policy}, {@code model}, {@code datasetTag}, {@code axes} (comma-separated), {@code budget},
 * {@code selector} and {@code promptKinds} (comma-separated) overriding the configured request; answers 202 with the
 * volumeId and requestId (also for a volume ingested before), 422 with the reason for invalid input, 413 for a
 * file over {@link IngestProperties.Uploads} (a prompt file or volume too large is also an error event), 400 for bad
 * parameters (a file name {@link ObjectKeys#unsafeName} refuses too), 503 when the store, the broker or the local
 * disk is unavailable, and 500 with reason {@code RETRIES_EXHAUSTED} when ingesting failed in a way nobody foresaw
 * (that upload ends REJECTED with its error event too, so nothing waits on it).
 * Events name an upload's files {@code upload:image}, {@code upload:labels} and {@code upload:prompts}: the user's
 * file names, which often name the patient, never leave this request.
 *
 * <p>{@code GET /volumes/{id}}: the volume's latest {@link VolumeStatus} from the {@link VolumeStatusView} (its
 * latest request, per-axis progress merged); 404 for a volume the status topic never named, 503 while the view
 * is still reading the topic after startup.
 */
@RestController
class VolumeController {

    private final Ingestor ingestor;
    private final DicomIngest dicom;
    private final VolumeStatusView statuses;
    private final IngestProperties properties;
    private final RequestSpec defaults;

    VolumeController(Ingestor ingestor, DicomIngest dicom, VolumeStatusView statuses, IngestProperties properties) {
        this.ingestor = ingestor;
        this.dicom = dicom;
        this.statuses = statuses;
        this.properties = properties;
        this.defaults = RequestSpec.of(properties.request());
    }

    /**
     * The answer to an upload.
     *
     * @param series for a DICOM zip, the answer for each of its CT series (the first accepted one, or failing that
     *               the first, is also the answer's own); null for a NIfTI image
     */
    record Submitted(String volumeId, String requestId, IngestResult.Outcome outcome, Reason reason, String detail,
            List<Submitted> series) {

        static Submitted of(IngestResult result) {
            return new Submitted(result.volumeId(), result.requestId(), result.outcome(), result.reason(),
                    result.detail(), null);
        }
    }

    @PostMapping("/volumes")
    ResponseEntity<Submitted> submit(@RequestParam("image") MultipartFile image,
            @RequestParam(value = "labels", required = false) MultipartFile labels,
            @RequestParam(value = "prompts", required = false) MultipartFile prompts,
            @RequestParam(value = "structures", required = false) String structures,
            @RequestParam(value = "policy", required = false) String policy,
            @RequestParam(value = "model", required = false) String model,
            @RequestParam(value = "datasetTag", required = false) String datasetTag,
            @RequestParam(value = "axes", required = false) String axes,
            @RequestParam(value = "budget", required = false) Integer budget,
            @RequestParam(value = "selector", required = false) String selector,
            @RequestParam(value = "promptKinds", required = false) String promptKinds) throws IOException {
        for (MultipartFile part : new MultipartFile[] {image, labels, prompts}) {
            String name = part == null ? null : part.getOriginalFilename();
            if (name != null && ObjectKeys.unsafeName(name).isPresent()) {
                return ResponseEntity.badRequest().body(new Submitted(null, null, IngestResult.Outcome.REJECTED,
                        Reason.BAD_OBJECT_KEY, "the file name of '" + part.getName() + "' "
                                + ObjectKeys.unsafeName(name).get(), null));
            }
        }
        RequestSpec request = defaults.with(structures, policy, model, datasetTag).withAxes(axes)
                .withPrompts(budget, selector, promptKinds);
        Path imageFile = null;
        Path labelsFile = null;
        Path promptsFile = null;
        try {
            imageFile = copy(image);
            labelsFile = copy(labels);
            promptsFile = copy(prompts);
            Scan scan = isZip(imageFile) ? null : new Scan(imageFile, source(image), labelsFile, source(labels),
                    promptsFile, source(prompts));
            DicomIngest.DicomScan dicomScan = scan != null ? null : dicomScan(imageFile, source(image), labelsFile,
                    source(labels), promptsFile, source(prompts));
            List<IngestResult> results;
            try {
                results = scan != null ? List.of(ingestor.ingest(scan, request)) : dicom.ingest(dicomScan, request);
            } catch (IngestUnavailableException | PublishException | ObjectStoreException | UncheckedIOException e) {
                throw e; // the store, the broker or the local disk: 503, the client tries again
            } catch (RuntimeException e) {
                // a failure nobody foresaw (a bug, not the scan's known fault): the upload is not retried here,
                // so it ends now with its error event and REJECTED status, like a drop after its last attempt
                IngestResult result = scan != null ? ingestor.gaveUp(scan, 1, e)
                        : ingestor.gaveUp(dicomScan.source(), dicomScan.dropId(), 1, e);
                return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body(Submitted.of(result));
            }
            IngestResult result = results.stream().filter(r -> r.outcome() != IngestResult.Outcome.REJECTED)
                    .findFirst().orElse(results.get(0));
            HttpStatus status = result.outcome() != IngestResult.Outcome.REJECTED ? HttpStatus.ACCEPTED
                    : result.reason() == Reason.TOO_LARGE ? HttpStatus.CONTENT_TOO_LARGE
                    : HttpStatus.UNPROCESSABLE_CONTENT;
            Submitted answer = Submitted.of(result);
            if (scan == null) {
                answer = new Submitted(answer.volumeId(), answer.requestId(), answer.outcome(), answer.reason(),
                        answer.detail(), results.stream().map(Submitted::of).toList());
            }
            return ResponseEntity.status(status).body(answer);
        } finally {
            for (Path file : new Path[] {imageFile, labelsFile, promptsFile}) {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    @GetMapping("/volumes/{volumeId}")
    ResponseEntity<?> status(@PathVariable String volumeId) {
        if (!ObjectKeys.isVolumeId(volumeId)) {
            return ResponseEntity.badRequest().body(Map.of("error", "a volumeId is 64 lower-case hex digits"));
        }
        if (!statuses.caughtUp()) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .body(Map.of("error", "still reading the status topic"));
        }
        return statuses.get(volumeId).<ResponseEntity<?>>map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND)
                        .body(Map.of("volumeId", volumeId, "error", "unknown volume")));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, String>> badParameter(IllegalArgumentException e) {
        return ResponseEntity.badRequest().body(Map.of("error", e.getMessage()));
    }

    /** A file or body over the multipart limits, found while Spring reads the parts (lazily, so it lands here). */
    @ExceptionHandler(MaxUploadSizeExceededException.class)
    ResponseEntity<Submitted> tooLarge(MaxUploadSizeExceededException e) {
        IngestProperties.Uploads uploads = properties.uploads();
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(new Submitted(null, null,
                IngestResult.Outcome.REJECTED, Reason.TOO_LARGE, "an upload may hold files of at most "
                        + uploads.maxFileSize().toBytes() + " bytes and " + uploads.maxRequestSize().toBytes()
                        + " bytes in all (triplane.ingest.uploads)", null));
    }

    @ExceptionHandler({IngestUnavailableException.class, PublishException.class, ObjectStoreException.class,
            UncheckedIOException.class})
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

    /**
     * A zip uploaded as the image: a DICOM study, read from the local copy; a refusal of the whole archive is
     * published under the SHA-256 of the archive.
     */
    private static DicomIngest.DicomScan dicomScan(Path zip, String source, Path labels, String labelsSource,
            Path prompts, String promptsSource) throws IOException {
        String dropId;
        try (InputStream in = Files.newInputStream(zip)) {
            dropId = ObjectKeys.volumeId(in);
        }
        return new DicomIngest.DicomScan(source, dropId, reader -> {
            try {
                return reader.readStudyZip(Files.newInputStream(zip), source);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the local copy of " + source, e);
            }
        }, labels, labelsSource, prompts, promptsSource);
    }

    /** Whether a file starts as a zip archive does (a local file header). */
    private static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        }
    }

    private static String source(MultipartFile part) {
        return part == null ? null : "upload:" + part.getName();
    }
}
