package dev.triplane.infra;

import dev.triplane.core.geometry.Axis;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The bucket and the deterministic object keys of {@code triplane/layout.json} (docs/method.md §4): the same
 * inputs always give the same key, so every pipeline step can overwrite its output idempotently.
 *
 * <p>{@code volumeId} is the SHA-256 of the image file's bytes exactly as dropped or uploaded (compressed or
 * not), as 64 lower-case hex digits: dropping the same file twice names the same volume. {@code requestId}
 * is 1 to 64 characters of {@code [A-Za-z0-9._-]} starting with a letter or digit, so keys need no escaping.
 */
public final class ObjectKeys {

    /** Longest key S3 stores, in bytes of UTF-8. */
    public static final int MAX_KEY_BYTES = 1024;

    private static final Pattern VOLUME_ID = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z]+)}");
    private static final Set<String> VOLUME = Set.of("volumeId");
    private static final Set<String> REQUEST = Set.of("volumeId", "requestId");
    private static final Set<String> AXIS = Set.of("volumeId", "requestId", "axis");

    private final String bucket;
    private final String inboxPrefix;
    private final String rejectedScan;
    private final String image;
    private final String labels;
    private final String dicomSource;
    private final String request;
    private final String prompts;
    private final String cascadePlan;
    private final String cascadePrompts;
    private final String logits;
    private final String cascadeLogits;
    private final String segmentation;
    private final String dicomSegmentation;
    private final String uncertainty;
    private final String fusionDone;
    private final String metrics;
    private final String model;
    private final String axisJob;
    private final String correction;
    private final String revisionLogits;
    private final String revisionSegmentation;
    private final String revisionDicomSegmentation;
    private final String revisionUncertainty;
    private final String revisionFusionDone;

    private ObjectKeys(JsonNode layout) {
        bucket = LayoutFile.required(layout, "bucket", "layout").asString();
        JsonNode keys = LayoutFile.required(layout, "objectKeys", "layout");
        inboxPrefix = template(keys, "inbox", Set.of());
        if (!inboxPrefix.endsWith("/")) {
            throw new IllegalArgumentException("layout: inbox prefix must end with '/': " + inboxPrefix);
        }
        image = template(keys, "image", VOLUME);
        labels = template(keys, "labels", VOLUME);
        dicomSource = template(keys, "dicomSource", VOLUME);
        request = template(keys, "request", REQUEST);
        prompts = template(keys, "prompts", REQUEST);
        cascadePlan = template(keys, "cascadePlan", REQUEST);
        cascadePrompts = template(keys, "cascadePrompts", REQUEST);
        logits = template(keys, "logits", AXIS);
        cascadeLogits = template(keys, "cascadeLogits", AXIS);
        segmentation = template(keys, "segmentation", REQUEST);
        dicomSegmentation = template(keys, "dicomSegmentation", REQUEST);
        uncertainty = template(keys, "uncertainty", REQUEST);
        fusionDone = template(keys, "fusionDone", REQUEST);
        metrics = template(keys, "metrics", REQUEST);
        model = template(keys, "model", Set.of("name"));
        axisJob = template(keys, "axisJob", AXIS);
        correction = template(keys, "correction", Set.of("volumeId", "requestId", "correctionId"));
        Set<String> revised = Set.of("volumeId", "requestId", "revision");
        revisionLogits = template(keys, "revisionLogits", Set.of("volumeId", "requestId", "revision", "axis"));
        revisionSegmentation = template(keys, "revisionSegmentation", revised);
        revisionDicomSegmentation = template(keys, "revisionDicomSegmentation", revised);
        revisionUncertainty = template(keys, "revisionUncertainty", revised);
        revisionFusionDone = template(keys, "revisionFusionDone", revised);
        rejectedScan = template(keys, "rejectedScan", Set.of("scanId"));
        if (!model.endsWith("/")) {
            throw new IllegalArgumentException("layout: model prefix must end with '/': " + model);
        }
    }

    /** The bucket and keys of the layout file on the classpath. */
    public static ObjectKeys load() {
        return from(LayoutFile.read());
    }

    static ObjectKeys from(JsonNode layout) {
        return new ObjectKeys(layout);
    }

    /** SHA-256 of all bytes of {@code in} (read to the end, not closed) as 64 lower-case hex digits. */
    public static String volumeId(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            sha.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** SHA-256 of {@code bytes} as 64 lower-case hex digits. */
    public static String volumeId(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    /** The bucket that holds every object of the pipeline. */
    public String bucket() {
        return bucket;
    }

    /** Prefix (ending in {@code /}) under which users drop scans. */
    public String inboxPrefix() {
        return inboxPrefix;
    }

    /**
     * Marker of a dropped scan ingest rejected, named by the SHA-256 (64 hex digits) of what identifies the drop's
     * objects (keys, sizes, entity tags): a restarted ingest-service does not reject the same drop again.
     */
    public String rejectedScan(String scanId) {
        return rejectedScan.replace("{scanId}", checkVolumeId(scanId));
    }

    /** Canonical copy of a volume's image. */
    public String image(String volumeId) {
        return fill(image, checkVolumeId(volumeId), null, null);
    }

    /** Reference labels paired with a volume. */
    public String labels(String volumeId) {
        return fill(labels, checkVolumeId(volumeId), null, null);
    }

    /**
     * What a DICOM SEG of a volume needs from its DICOM source series ({@code DicomSource} as JSON); present only
     * when the volume was ingested from DICOM.
     */
    public String dicomSource(String volumeId) {
        return fill(dicomSource, checkVolumeId(volumeId), null, null);
    }

    /**
     * Marker of a request whose events ingest has published (the {@code VolumeAccepted} as JSON): while it
     * exists, the same scan dropped again emits nothing.
     */
    public String request(String volumeId, String requestId) {
        return fill(request, checkVolumeId(volumeId), checkRequestId(requestId), null);
    }

    /** The prefix under which the request markers of a volume lie. */
    public String requestMarkers(String volumeId) {
        return fill(request.substring(0, request.indexOf("{requestId}")), checkVolumeId(volumeId), null, null);
    }

    /** The user prompt file of a request ({@code docs/prompts.md}), copied from the drop or upload. */
    public String prompts(String volumeId, String requestId) {
        return fill(prompts, checkVolumeId(volumeId), checkRequestId(requestId), null);
    }

    /**
     * The second stage of a cascading request as ingest plans it ({@code CascadePlan} as JSON): fusion publishes its
     * jobs once the first stage is fused.
     */
    public String cascadePlan(String volumeId, String requestId) {
        return fill(cascadePlan, checkVolumeId(volumeId), checkRequestId(requestId), null);
    }

    /** The prompt file of a cascade's second stage: the user's prompts and those derived from the first stage. */
    public String cascadePrompts(String volumeId, String requestId) {
        return fill(cascadePrompts, checkVolumeId(volumeId), checkRequestId(requestId), null);
    }

    /** Compact logit volume of one axis of a request. */
    public String logits(String volumeId, String requestId, Axis axis) {
        return fill(logits, checkVolumeId(volumeId), checkRequestId(requestId), axis.id());
    }

    /**
     * Compact logit volume of one axis in one stage of a request: {@link #logits} in the first (or only) stage, a key
     * of its own in a cascade's second, which may run an axis of the first again.
     */
    public String stageLogits(String volumeId, String requestId, Axis axis, int stage) {
        return stage == 1 ? logits(volumeId, requestId, axis)
                : fill(cascadeLogits, checkVolumeId(volumeId), checkRequestId(requestId), axis.id());
    }

    /** Fused label volume of a request. */
    public String segmentation(String volumeId, String requestId) {
        return fill(segmentation, checkVolumeId(volumeId), checkRequestId(requestId), null);
    }

    /** The fused labels of a request as a DICOM SEG, written when the volume came from DICOM. */
    public String dicomSegmentation(String volumeId, String requestId) {
        return fill(dicomSegmentation, checkVolumeId(volumeId), checkRequestId(requestId), null);
    }

    /** Axis-disagreement uncertainty map of a request. */
    public String uncertainty(String volumeId, String requestId) {
        return fill(uncertainty, checkVolumeId(volumeId), checkRequestId(requestId), null);
    }

    /** Marker that the fusion of a request was announced, so a redelivered fusion job does not announce it again. */
    public String fusionDone(String volumeId, String requestId) {
        return fill(fusionDone, checkVolumeId(volumeId), checkRequestId(requestId), null);
    }

    /** Per-structure metrics of a request. */
    public String metrics(String volumeId, String requestId) {
        return fill(metrics, checkVolumeId(volumeId), checkRequestId(requestId), null);
    }

    /** The axis job a worker ran, stored beside its logits: what a correction of the request runs again. */
    public String axisJob(String volumeId, String requestId, Axis axis) {
        return fill(axisJob, checkVolumeId(volumeId), checkRequestId(requestId), axis.id());
    }

    /** A correction as ingest accepted it, with its revision; its id is a digest of its content. */
    public String correction(String volumeId, String requestId, String correctionId) {
        if (!VOLUME_ID.matcher(correctionId).matches()) {
            throw new IllegalArgumentException("correctionId must be 64 lower-case hex digits: " + correctionId);
        }
        return fill(correction, checkVolumeId(volumeId), checkRequestId(requestId), null)
                .replace("{correctionId}", correctionId);
    }

    /** The prefix under which the corrections of a request lie. */
    public String corrections(String volumeId, String requestId) {
        return fill(correction.substring(0, correction.indexOf("{correctionId}")), checkVolumeId(volumeId),
                checkRequestId(requestId), null);
    }

    /** Logits of one axis in a revision of a request; revision 1 is {@link #logits}. */
    public String logits(String volumeId, String requestId, Axis axis, int revision) {
        return revision == 1 ? logits(volumeId, requestId, axis) : revised(revisionLogits, volumeId, requestId,
                revision).replace("{axis}", axis.id());
    }

    /** Fused label volume of a revision of a request; revision 1 is {@link #segmentation(String, String)}. */
    public String segmentation(String volumeId, String requestId, int revision) {
        return revision == 1 ? segmentation(volumeId, requestId) : revised(revisionSegmentation, volumeId, requestId,
                revision);
    }

    /** DICOM SEG of a revision of a request; revision 1 is {@link #dicomSegmentation(String, String)}. */
    public String dicomSegmentation(String volumeId, String requestId, int revision) {
        return revision == 1 ? dicomSegmentation(volumeId, requestId) : revised(revisionDicomSegmentation, volumeId,
                requestId, revision);
    }

    /** Uncertainty map of a revision of a request; revision 1 is {@link #uncertainty(String, String)}. */
    public String uncertainty(String volumeId, String requestId, int revision) {
        return revision == 1 ? uncertainty(volumeId, requestId) : revised(revisionUncertainty, volumeId, requestId,
                revision);
    }

    /** Done marker of a revision of a request; revision 1 is {@link #fusionDone(String, String)}. */
    public String fusionDone(String volumeId, String requestId, int revision) {
        return revision == 1 ? fusionDone(volumeId, requestId) : revised(revisionFusionDone, volumeId, requestId,
                revision);
    }

    private static String revised(String template, String volumeId, String requestId, int revision) {
        if (revision < 2) {
            throw new IllegalArgumentException("revisions count from 1; revision 1 has the request's own keys: "
                    + revision);
        }
        return fill(template, checkVolumeId(volumeId), checkRequestId(requestId), null)
                .replace("{revision}", Integer.toString(revision));
    }

    /** Prefix of a SAM2 export folder's files ({@code models/{name}/}); names as request ids, no path parts. */
    public String model(String name) {
        if (name == null || !REQUEST_ID.matcher(name).matches()) {
            throw new IllegalArgumentException("model name must match " + REQUEST_ID.pattern() + ": " + name);
        }
        return model.replace("{name}", name);
    }

    /**
     * Why a key or file name that a user chose is refused, or empty when it is fine: a {@code ..} path segment
     * (it climbs out of its folder wherever keys become paths: file-system S3 servers, sync tools, downstream
     * consumers), a control character (it forges log lines and breaks tools), or more than {@link #MAX_KEY_BYTES}
     * bytes of UTF-8.
     */
    public static Optional<String> unsafeName(String name) {
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            return Optional.of("longer than " + MAX_KEY_BYTES + " bytes of UTF-8");
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            return Optional.of("holds a control character");
        }
        if (Arrays.asList(name.split("[/\\\\]", -1)).contains("..")) {
            return Optional.of("has a '..' path segment");
        }
        return Optional.empty();
    }

    /**
     * {@code name} as errors and logs may show it: control characters as Java unicode escapes (a backslash, u and
     * four hex digits), cut after 200 characters.
     */
    public static String printable(String name) {
        StringBuilder shown = new StringBuilder();
        name.codePoints().limit(200).forEach(c -> {
            if (Character.isISOControl(c)) {
                shown.append(String.format("\\u%04x", c));
            } else {
                shown.appendCodePoint(c);
            }
        });
        return name.codePointCount(0, name.length()) > 200 ? shown + "..." : shown.toString();
    }

    /** Whether {@code id} is a well-formed volume id. */
    public static boolean isVolumeId(String id) {
        return id != null && VOLUME_ID.matcher(id).matches();
    }

    /** Whether {@code id} is a well-formed request id. */
    public static boolean isRequestId(String id) {
        return id != null && REQUEST_ID.matcher(id).matches();
    }

    private static String checkVolumeId(String id) {
        if (!isVolumeId(id)) {
            throw new IllegalArgumentException("volumeId must be 64 lower-case hex digits: " + id);
        }
        return id;
    }

    private static String checkRequestId(String id) {
        if (!isRequestId(id)) {
            throw new IllegalArgumentException("requestId must match " + REQUEST_ID.pattern() + ": " + id);
        }
        return id;
    }

    private static String fill(String template, String volumeId, String requestId, String axis) {
        String key = template.replace("{volumeId}", volumeId);
        if (requestId != null) {
            key = key.replace("{requestId}", requestId);
        }
        return axis == null ? key : key.replace("{axis}", axis);
    }

    /** Reads a key template and checks that it uses exactly the placeholders its builder fills. */
    private static String template(JsonNode keys, String field, Set<String> placeholders) {
        String template = LayoutFile.required(keys, field, "objectKeys").asString();
        Matcher m = PLACEHOLDER.matcher(template);
        Set<String> found = new HashSet<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        if (!found.equals(placeholders) || template.startsWith("/") || template.isBlank()) {
            throw new IllegalArgumentException("layout: key '" + field + "' = '" + template
                    + "' must be relative and use exactly the placeholders " + placeholders);
        }
        return template;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }
}
