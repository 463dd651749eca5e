package dev.triplane.ingest;

import dev.triplane.core.labels.LabelTable;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.DeadLetterErrorHandlers;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/** The ingest-service's own beans; the layout, store, reader and publisher come from service-support. */
@Configuration(proxyBeanMethods = false)
class IngestConfiguration {

    /**
     * The listeners' error policy: a failing notification is retried 3 times 1 s apart (the store may be briefly
     * down), then published to {@code triplane.inbox-events.dlt}; a record that is not a notification goes there
     * at once.
     */
    @Bean
    DefaultErrorHandler errorHandler(DeadLetterErrorHandlers deadLetters) {
        return deadLetters.create(Topic.INBOX_EVENTS, new FixedBackOff(1000, 3),
                InboxNotifications.BadNotificationException.class);
    }

    @Bean
    LabelTable labelTable(IngestProperties properties) {
        return properties.labelTable() == null ? LabelTable.totalSegmentatorV2()
                : LabelTable.read(properties.labelTable());
    }
}
