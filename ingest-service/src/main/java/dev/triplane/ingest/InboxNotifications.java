package dev.triplane.ingest;

import dev.triplane.infra.ObjectKeys;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fast path on MinIO: bucket notifications for the inbox prefix, delivered to {@code triplane.inbox-events}
 * (S3 event JSON, {@code Records[].s3.object.key} URL-encoded), each trigger a pass of the {@link InboxScanner},
 * which keeps the pairing rule and the idempotency in one place. A record that is not such a notification is a
 * poison record: the error handler sends it to the dead-letter topic without retry.
 */
@Component
class InboxNotifications {

    private static final Logger LOG = LoggerFactory.getLogger(InboxNotifications.class);

    private final InboxScanner scanner;
    private final ObjectKeys keys;
    private final JsonMapper json;

    InboxNotifications(InboxScanner scanner, ObjectKeys keys, JsonMapper json) {
        this.scanner = scanner;
        this.keys = keys;
        this.json = json;
    }

    /** A record of {@code triplane.inbox-events} that is not an S3 event notification. */
    static class BadNotificationException extends RuntimeException {

        BadNotificationException(String message) {
            super(message);
        }
    }

    @KafkaListener(id = "ingest-inbox-events", groupId = "triplane-ingest", topics = "#{@topics.name(T(dev.triplane.infra.Topic).INBOX_EVENTS)}",
            autoStartup = "${triplane.ingest.inbox.notifications:true}")
    void onNotification(String value) {
        List<String> inboxKeys = inboxKeys(value);
        if (!inboxKeys.isEmpty()) {
            LOG.info("notified of {}; scanning the inbox", inboxKeys.stream().map(ObjectKeys::printable).toList());
            scanner.scan();
        }
    }

    /**
     * The decoded object keys under the inbox prefix that a notification names.
     *
     * @throws BadNotificationException when the value is not S3 event JSON with {@code Records}
     */
    List<String> inboxKeys(String value) {
        JsonNode root;
        try {
            root = json.readTree(value);
        } catch (JacksonException e) {
            throw new BadNotificationException("not JSON: " + e.getOriginalMessage());
        }
        JsonNode records = root == null ? null : root.get("Records");
        if (records == null || !records.isArray()) {
            throw new BadNotificationException("no Records array in " + abbreviate(value));
        }
        List<String> found = new ArrayList<>();
        for (JsonNode record : records) {
            JsonNode key = record.path("s3").path("object").path("key");
            if (!key.isString()) {
                throw new BadNotificationException("a record without s3.object.key in " + abbreviate(value));
            }
            String decoded = URLDecoder.decode(key.asString(), StandardCharsets.UTF_8);
            if (decoded.startsWith(keys.inboxPrefix())) {
                found.add(decoded);
            }
        }
        return found;
    }

    private static String abbreviate(String value) {
        return value.length() <= 200 ? value : value.substring(0, 200) + "...";
    }
}
