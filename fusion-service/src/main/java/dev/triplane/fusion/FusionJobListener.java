package dev.triplane.fusion;

import dev.triplane.core.events.FusionJob;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.infra.service.RequestEnd;
import dev.triplane.infra.service.TransactionalPublisher;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.ConsumerAwareRecordRecoverer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fusion step's Kafka adapter: one {@link FusionJob} per poll from {@code triplane.fusion-jobs} in the consumer
 * group of every fusion instance (off the Streams thread), fused by {@link FusionStep}, then its events and offset
 * committed by {@link TransactionalPublisher}. A job failing with an exception is retried by the container's error
 * handler (backoff from {@code retry-backoff}), and after {@code max-attempts} {@link #recover} ends its request.
 */
final class FusionJobListener {

    private final FusionStep step;
    private final TransactionalPublisher transactions;
    private final ConsumerAwareRecordRecoverer deadLetters;
    private final JsonMapper json;

    /** @param deadLetters publishes a record that is not a fusion job to {@code triplane.fusion-jobs.dlt} */
    FusionJobListener(FusionStep step, TransactionalPublisher transactions, ConsumerAwareRecordRecoverer deadLetters,
            JsonMapper json) {
        this.step = step;
        this.transactions = transactions;
        this.deadLetters = deadLetters;
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

    /**
     * The error handler's recoverer, after the last attempt: a record that is not a fusion job goes to the DLT
     * with an error event naming its position ({@code BAD_RECORD}), any other ends its request with an error event
     * and a FAILED status; the offset is committed with the events either way, so the next job comes.
     */
    void recover(ConsumerRecord<?, ?> record, Consumer<?, ?> consumer, Exception failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof JacksonException) {
                deadLetters.accept(record, consumer, failure);
                RequestEnd end = RequestEnd.ofRecord(Stage.FUSION, Reason.BAD_RECORD, record,
                        "not a FusionJob: " + t.getMessage());
                transactions.commit(record, consumer, end.key(), end.events());
                return;
            }
        }
        FusionJob job = json.readValue((String) record.value(), FusionJob.class);
        transactions.commit(record, consumer, job.volumeId(), step.gaveUp(job, failure).events());
    }
}
