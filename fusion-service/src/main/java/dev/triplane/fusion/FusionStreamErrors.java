package dev.triplane.fusion;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.Topics;
import dev.triplane.infra.service.Outbound;
import dev.triplane.infra.service.RequestEnd;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the collecting topology writes for a record it cannot take, besides Kafka Streams' dead-letter copy (on
 * {@code triplane.axis-results.dlt}, the exception in its headers), in the same exactly-once transaction: a value
 * that is not an {@link AxisResult} names no request, so an error event naming its position
 * ({@link Reason#BAD_RECORD}, object {@code topic/partition@offset}); an axis result whose processing throws ends
 * its request ({@link Reason#BAD_RECORD}, an error event and a FAILED status). The stream goes on either way.
 *
 * <p>Streams builds its handlers from their class names; this instance reaches them through the streams
 * configuration under {@value #CONFIG}.
 */
final class FusionStreamErrors {

    /** The streams configuration key holding the instance the handlers use. */
    static final String CONFIG = "triplane.fusion.stream-errors";

    private final Topics topics;
    private final JsonMapper json;
    private final CloudEventHeaders cloudEvents;

    FusionStreamErrors(Topics topics, JsonMapper json, CloudEventHeaders cloudEvents) {
        this.topics = topics;
        this.json = json;
        this.cloudEvents = cloudEvents;
    }

    /** The records of {@code end}, keyed, serialized and with headers as the topology writes its own events. */
    List<ProducerRecord<byte[], byte[]>> records(RequestEnd end) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        Instant now = Instant.now();
        for (Outbound o : end.events()) {
            out.add(new ProducerRecord<>(topics.name(o.topic()), null, end.key().getBytes(StandardCharsets.UTF_8),
                    json.writeValueAsBytes(o.event()), cloudEvents.of(o.topic(), end.key(), o.event(), now)));
        }
        return out;
    }

    private static FusionStreamErrors of(Map<String, ?> configs) {
        Object errors = configs.get(CONFIG);
        if (!(errors instanceof FusionStreamErrors e)) {
            throw new IllegalStateException(CONFIG + " is not set in the streams configuration");
        }
        return e;
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        List<T> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /** A value that is not an axis result: its dead-letter copy and an error event naming its position. */
    public static final class Deserialization extends LogAndContinueExceptionHandler {

        private FusionStreamErrors errors;

        @Override
        public void configure(Map<String, ?> configs) {
            super.configure(configs);
            errors = of(configs);
        }

        @Override
        public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
                ConsumerRecord<byte[], byte[]> record, Exception exception) {
            DeserializationExceptionHandler.Response dlq = super.handleError(context, record, exception);
            RequestEnd end = RequestEnd.ofRecord(Stage.FUSION, Reason.BAD_RECORD,
                    RequestEnd.where(record.topic(), record.partition(), record.offset()),
                    "not an AxisResult: " + exception.getMessage());
            return DeserializationExceptionHandler.Response.resume(concat(dlq.deadLetterQueueRecords(),
                    errors.records(end)));
        }
    }

    /** An axis result whose processing threw: its dead-letter copy, and its request ended FAILED. */
    public static final class Processing extends LogAndContinueProcessingExceptionHandler {

        private FusionStreamErrors errors;

        @Override
        public void configure(Map<String, ?> configs) {
            super.configure(configs);
            errors = of(configs);
        }

        @Override
        public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
                Exception exception) {
            ProcessingExceptionHandler.Response dlq = super.handleError(context, record, exception);
            String where = RequestEnd.where(context.topic(), context.partition(), context.offset());
            String detail = "collecting failed: " + exception;
            RequestEnd end = record.value() instanceof AxisResult r
                    ? RequestEnd.of(Stage.FUSION, Reason.BAD_RECORD, where, detail, r.volumeId(), r.requestId(),
                            List.of())
                    : RequestEnd.ofRecord(Stage.FUSION, Reason.BAD_RECORD, where, detail);
            return ProcessingExceptionHandler.Response.resume(concat(dlq.deadLetterQueueRecords(),
                    errors.records(end)));
        }
    }
}
