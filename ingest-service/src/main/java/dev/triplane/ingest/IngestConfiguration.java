package dev.triplane.ingest;

import dev.triplane.core.events.Stage;
import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import dev.triplane.infra.service.DeadLetterErrorHandlers;
import dev.triplane.infra.service.VolumeStatusView;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.MultipartConfigElement;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.util.backoff.FixedBackOff;
import tools.jackson.databind.json.JsonMapper;

/** The ingest-service's own beans; the layout, store, reader and publisher come from service-support. */
@Configuration(proxyBeanMethods = false)
class IngestConfiguration {

    /**
     * The listeners' error policy: a failing notification is retried 3 times 1 s apart (the store may be briefly
     * down), then published to {@code triplane.inbox-events.dlt}; a record that is not a notification goes there
     * at once. Either way an error event names the record's position (a notification names no request; the
     * scanner's next pass still finds the objects it announced).
     */
    @Bean
    DefaultErrorHandler errorHandler(DeadLetterErrorHandlers deadLetters) {
        return deadLetters.create(Topic.INBOX_EVENTS, Stage.INGEST, new FixedBackOff(1000, 3),
                InboxNotifications.BadNotificationException.class);
    }

    /** {@code GET /volumes/{id}} answers from the status topic. */
    @Bean
    VolumeStatusView volumeStatusView(KafkaProperties kafka, Topics topics, JsonMapper json) {
        return new VolumeStatusView(kafka.buildConsumerProperties(), topics.name(Topic.STATUS), json);
    }

    /** The limits of {@link IngestProperties.Uploads}, in place of Spring's {@code spring.servlet.multipart.*}. */
    @Bean
    MultipartConfigElement multipartConfig(IngestProperties properties) {
        IngestProperties.Uploads uploads = properties.uploads();
        return new MultipartConfigElement(null, uploads.maxFileSize().toBytes(), uploads.maxRequestSize().toBytes(),
                0);
    }

    @Bean(destroyMethod = "close")
    DeadLetterSizes deadLetterSizes(KafkaAdmin admin, Topics topics, MeterRegistry meters, TaskScheduler scheduler) {
        return new DeadLetterSizes(admin.getConfigurationProperties(), topics, meters, scheduler);
    }
}
