package dev.triplane.fusion;

import dev.triplane.core.events.FusionJob;
import dev.triplane.infra.service.TransactionalPublisher;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fusion step's Kafka adapter: one {@link FusionJob} per poll from {@code triplane.fusion-jobs} in the consumer
 * group of every fusion instance (off the Streams thread), fused by {@link FusionStep}, then its events and offset
 * committed by {@link TransactionalPublisher}. A job failing with an exception is left to the container's error
 * handler ({@code FusionConfiguration#errorHandler}), which retries it and, when it gives up, ends its request.
 */
final class FusionJobListener {

    private final FusionStep step;
    private final TransactionalPublisher transactions;
    private final JsonMapper json;

    FusionJobListener(FusionStep step, TransactionalPublisher transactions, JsonMapper json) {
        this.step = step;
        this.transactions = transactions;
        this.json = json;
    }

    // idIsGroup false: the group is spring.kafka.consumer.group-id (triplane-fusion-step), not the listener id
    @KafkaListener(id = "fusion-jobs", idIsGroup = false, concurrency = "1",
            topics = "#{@topics.name(T(dev.triplane.infra.Topic).FUSION_JOBS)}")
    void onJob(ConsumerRecord<String, String> record, Consumer<?, ?> consumer) {
        FusionJob job = json.readValue(record.value(), FusionJob.class);
        FusionStep.Outcome outcome = step.run(job);
        transactions.commit(record, consumer, job.volumeId(), outcome.events());
        step.published(outcome);
    }
}
