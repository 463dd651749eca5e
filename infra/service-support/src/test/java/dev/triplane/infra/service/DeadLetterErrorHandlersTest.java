package dev.triplane.infra.service;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import dev.triplane.infra.Topic;
import dev.triplane.infra.Topics;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.util.backoff.FixedBackOff;

class DeadLetterErrorHandlersTest {

    @Test
    void aTopicWithoutDeadLetterTopicInTheLayoutIsRefused() {
        @SuppressWarnings("unchecked")
        DeadLetterErrorHandlers handlers = new DeadLetterErrorHandlers(mock(KafkaTemplate.class), Topics.load());

        assertThatThrownBy(() -> handlers.create(Topic.STATUS, new FixedBackOff(0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("STATUS");
    }
}
