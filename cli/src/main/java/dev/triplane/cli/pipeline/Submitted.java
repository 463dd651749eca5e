package dev.triplane.cli.pipeline;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Ingest's answer to an upload.
 *
 * @param volumeId  SHA-256 of the image
 * @param requestId the request, null when rejected
 * @param outcome   {@code ACCEPTED}, {@code ALREADY_INGESTED} or {@code REJECTED}
 * @param reason    the rejection's reason code, or null
 * @param detail    the rejection's explanation, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Submitted(String volumeId, String requestId, String outcome, String reason, String detail) {

    public boolean rejected() {
        return "REJECTED".equals(outcome);
    }
}
