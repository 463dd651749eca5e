package dev.triplane.cli.pipeline;

import dev.triplane.cli.stack.StackInfo;
import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.ErrorEvent;
import dev.triplane.core.events.MetricsReady;
import dev.triplane.core.events.SegmentationReady;
import dev.triplane.core.events.VolumeAccepted;
import dev.triplane.core.events.VolumeStatus;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.local.TopicReader;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Talks to a running pipeline as a user's program would: uploads cases to ingest-service ({@code POST /volumes}),
 * asks it for a volume's status, and follows the result topics until a request has its segmentation and
 * metrics or has failed. Used by {@code triplane submit}, {@code status} and {@code demo}.
 */
public final class PipelineClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration HTTP_TIMEOUT = Duration.ofMinutes(10);
    /**
     * How long {@link #await} waits on each followed topic per round: short, as it polls five in turn and each wait
     * adds to when the metrics are seen.
     */
    private static final Duration FOLLOW_POLL = Duration.ofMillis(20);

    private final StackInfo stack;
    private final Topics topics = Topics.load();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public PipelineClient(StackInfo stack) {
        this.stack = stack;
    }

    /** Uploads one case; a rejected file is an answer ({@link Submitted#rejected()}), not an exception. */
    public Submitted submit(Submission submission) throws IOException {
        Multipart body = new Multipart();
        body.file("image", submission.image());
        if (submission.labels() != null) {
            body.file("labels", submission.labels());
        }
        if (submission.prompts() != null) {
            body.file("prompts", submission.prompts());
        }
        body.field("structures", submission.structures());
        body.field("policy", submission.policy());
        body.field("model", submission.model());
        body.field("datasetTag", submission.datasetTag());
        body.field("axes", submission.axes());
        body.field("budget", submission.budget() == null ? null : submission.budget().toString());
        body.field("selector", submission.selector());
        body.field("promptKinds", submission.promptKinds());
        HttpRequest request = authorized(URI.create(ingestUrl() + "/volumes"))
                .timeout(HTTP_TIMEOUT)
                .header("Content-Type", "multipart/form-data; boundary=" + body.boundary)
                .POST(body.publisher()).build();
        HttpResponse<String> response = send(request);
        // 422 invalid input, 413 too large, 400 an unsafe file name: refusals with a reason, the other 400s not
        if (response.statusCode() != 202 && !List.of(400, 413, 422).contains(response.statusCode())) {
            throw new IOException("ingest answered " + response.statusCode() + ": " + response.body());
        }
        Submitted submitted = JSON.readValue(response.body(), Submitted.class);
        if (response.statusCode() != 202 && !submitted.rejected()) {
            throw new IOException("ingest answered " + response.statusCode() + ": " + response.body());
        }
        return submitted;
    }

    /** The volume's merged status as ingest's status view has it, or empty for a volume it never saw. */
    public Optional<VolumeStatus> status(String volumeId) throws IOException {
        HttpRequest request = authorized(URI.create(ingestUrl() + "/volumes/"
                + URLEncoder.encode(volumeId, StandardCharsets.UTF_8))).timeout(HTTP_TIMEOUT).GET().build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            HttpResponse<String> response = send(request);
            switch (response.statusCode()) {
                case 200 -> {
                    return Optional.of(JSON.readValue(response.body(), VolumeStatus.class));
                }
                case 404 -> {
                    return Optional.empty();
                }
                // 503: the view is still reading the status topic after ingest started.
                case 503 -> {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("ingest still unavailable: " + response.body());
                    }
                    sleep(500);
                }
                default -> throw new IOException("ingest answered " + response.statusCode() + ": " + response.body());
            }
        }
    }

    /** The merged status of every volume on the status topic, by volumeId in first-seen order. */
    public Map<String, VolumeStatus> statuses() {
        Map<String, VolumeStatus> latest = new LinkedHashMap<>();
        try (TopicReader<VolumeStatus> reader = reader(Topic.STATUS, VolumeStatus.class)) {
            for (VolumeStatus s : reader.readToEnd()) {
                latest.merge(s.volumeId(), s, VolumeStatus::merge);
            }
        }
        return latest;
    }

    /**
     * The request ingest made of a scan dropped into the inbox: the first {@link VolumeAccepted} of the volume
     * under {@code datasetTag}, or empty after {@code timeout}.
     */
    public Optional<String> awaitAccepted(String volumeId, String datasetTag, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (TopicReader<VolumeAccepted> reader = reader(Topic.VOLUMES, VolumeAccepted.class)) {
            while (System.nanoTime() < deadline) {
                for (VolumeAccepted accepted : reader.poll()) {
                    if (accepted.volumeId().equals(volumeId) && accepted.datasetTag().equals(datasetTag)) {
                        return Optional.of(accepted.requestId());
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Follows the volume's request until its metrics arrive, it ends without them (no reference labels), it fails
     * or is rejected, or {@code timeout} passes; {@code progress} sees each change of its merged status. Both ids
     * are matched: a request id names the settings, so volumes submitted alike share it.
     */
    public Outcome await(String volumeId, String requestId, Duration timeout, Consumer<VolumeStatus> progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        VolumeStatus status = null;
        List<AxisResult> axisResults = new ArrayList<>();
        List<ErrorEvent> errors = new ArrayList<>();
        SegmentationReady segmentation = null;
        MetricsReady metrics = null;
        try (TopicReader<VolumeStatus> statuses = reader(Topic.STATUS, VolumeStatus.class);
             TopicReader<AxisResult> results = reader(Topic.AXIS_RESULTS, AxisResult.class);
             TopicReader<SegmentationReady> segmentations = reader(Topic.SEGMENTATIONS, SegmentationReady.class);
             TopicReader<MetricsReady> metricsEvents = reader(Topic.METRICS, MetricsReady.class);
             TopicReader<ErrorEvent> errorEvents = reader(Topic.ERRORS, ErrorEvent.class)) {
            while (true) {
                for (VolumeStatus s : statuses.next(FOLLOW_POLL)) {
                    if (volumeId.equals(s.volumeId()) && requestId.equals(s.requestId())) {
                        VolumeStatus merged = VolumeStatus.merge(status, s);
                        if (!merged.equals(status)) {
                            status = merged;
                            progress.accept(status);
                        }
                    }
                }
                for (MetricsReady m : metricsEvents.next(FOLLOW_POLL)) {
                    if (m.volumeId().equals(volumeId) && m.requestId().equals(requestId)) {
                        metrics = m;
                    }
                }
                // Each topic is read apart: once the metrics are in, read the others to their end, since what
                // was published before the metrics may not have been polled yet.
                boolean toEnd = metrics != null;
                (toEnd ? results.nextToEnd() : results.next(FOLLOW_POLL)).stream()
                        .filter(r -> r.volumeId().equals(volumeId) && r.requestId().equals(requestId))
                        .forEach(axisResults::add);
                for (SegmentationReady s : toEnd ? segmentations.nextToEnd() : segmentations.next(FOLLOW_POLL)) {
                    if (s.volumeId().equals(volumeId) && s.requestId().equals(requestId)) {
                        segmentation = s;
                    }
                }
                errorEvents.next(FOLLOW_POLL).stream()
                        .filter(e -> volumeId.equals(e.volumeId()) && requestId.equals(e.requestId()))
                        .forEach(errors::add);
                Outcome outcome = new Outcome(status, List.copyOf(axisResults), segmentation, metrics,
                        List.copyOf(errors), true);
                if (outcome.succeeded() || (status != null && status.state().isFinal())) {
                    return outcome;
                }
                if (System.nanoTime() > deadline) {
                    return new Outcome(status, outcome.axisResults(), segmentation, metrics, outcome.errors(), false);
                }
            }
        }
    }

    private String ingestUrl() throws IOException {
        if (stack.ingestUrl() == null) {
            throw new IOException("the running stack has no ingest-service");
        }
        return stack.ingestUrl();
    }

    /** A request to ingest's API with the stack's bearer token, when it has one. */
    private HttpRequest.Builder authorized(URI uri) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        return stack.ingestToken() == null ? request : request.header("Authorization", "Bearer " + stack.ingestToken());
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IOException("cannot reach ingest at " + stack.ingestUrl() + " (is ./triplane up running?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private <T> TopicReader<T> reader(Topic topic, Class<T> type) {
        return new TopicReader<>(stack.kafka(), topics.name(topic), type);
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * A {@code multipart/form-data} body: java.net.http has no multipart publisher, and the format is small enough
     * to write by hand (files stream from disk through {@link BodyPublishers#ofFile}).
     */
    private static final class Multipart {

        private final String boundary = "triplane-" + UUID.randomUUID();
        private final List<BodyPublisher> parts = new ArrayList<>();

        void field(String name, String value) {
            if (value != null) {
                parts.add(BodyPublishers.ofString(head(name, null) + value + "\r\n", StandardCharsets.UTF_8));
            }
        }

        void file(String name, Path file) throws IOException {
            Objects.requireNonNull(file, name);
            parts.add(BodyPublishers.ofString(head(name, file.getFileName().toString()), StandardCharsets.UTF_8));
            parts.add(BodyPublishers.ofFile(file));
            parts.add(BodyPublishers.ofString("\r\n"));
        }

        BodyPublisher publisher() {
            List<BodyPublisher> all = new ArrayList<>(parts);
            all.add(BodyPublishers.ofString("--" + boundary + "--\r\n"));
            return BodyPublishers.concat(all.toArray(BodyPublisher[]::new));
        }

        private String head(String name, String fileName) {
            String disposition = "form-data; name=\"" + name + "\""
                    + (fileName == null ? "" : "; filename=\"" + fileName.replace("\"", "%22") + "\"");
            return "--" + boundary + "\r\nContent-Disposition: " + disposition + "\r\n"
                    + (fileName == null ? "" : "Content-Type: application/octet-stream\r\n") + "\r\n";
        }
    }
}
