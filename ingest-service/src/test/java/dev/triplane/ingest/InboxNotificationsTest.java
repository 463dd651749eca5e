package dev.triplane.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.infra.ObjectKeys;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class InboxNotificationsTest {

    private final InboxNotifications notifications =
            new InboxNotifications(null, ObjectKeys.load(), JsonMapper.builder().build());

    @Test
    void inboxKeysOfAMinioNotificationAreDecoded() {
        String event = """
                {"EventName":"s3:ObjectCreated:Put","Key":"triplane/inbox/ct 1.nii.gz","Records":[
                 {"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"triplane"},
                  "object":{"key":"inbox%2Fct+1.nii.gz","size":1024,"eTag":"abc"}}},
                 {"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"triplane"},
                  "object":{"key":"results%2Fx.json","size":10}}}]}""";

        assertThat(notifications.inboxKeys(event)).containsExactly("inbox/ct 1.nii.gz");
    }

    @Test
    void aRecordThatIsNoNotificationIsRefused() {
        assertThatThrownBy(() -> notifications.inboxKeys("not json"))
                .isInstanceOf(InboxNotifications.BadNotificationException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> notifications.inboxKeys("{\"Key\":\"a\"}"))
                .isInstanceOf(InboxNotifications.BadNotificationException.class).hasMessageContaining("no Records");
        assertThatThrownBy(() -> notifications.inboxKeys("{\"Records\":[{\"s3\":{}}]}"))
                .isInstanceOf(InboxNotifications.BadNotificationException.class)
                .hasMessageContaining("without s3.object.key");
    }
}
