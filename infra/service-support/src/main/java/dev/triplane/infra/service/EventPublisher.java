package dev.triplane.infra.service;

import dev.triplane.core.events.ErrorEvent;
import dev.triplane.infra.CloudEventHeaders;
import dev.triplane.infra.Topic;
import dev.triplane.infra.TopicSpec;
import dev.triplane.infra.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publishes event records as JSON on the layout's topics, keyed by volumeId, with their CloudEvents headers
 * ({@link CloudEventHeaders}); each error event is counted ({@link JobMeters#error}). A step that emits several events
 * sends them all, then {@link #await}s them together: the sends overlap, and one failure fails the step with a
 * {@link PublishException} naming the object.
 */
public class EventPublisher {

    /** How long {@link #await(String, List)} waits for acknowledgements. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

    private final KafkaTemplate<String, String> kafka;
    private final Topics topics;
    private final JsonMapper json;
    private final CloudEventHeaders cloudEvents;
    private final JobMeters jobs;

    public EventPublisher(KafkaTemplate<String, String> kafka, Topics topics, JsonMapper json,
            CloudEventHeaders cloudEvents, JobMeters jobs) {
        this.kafka = kafka;
        this.topics = topics;
        this.json = json;
        this.cloudEvents = cloudEvents;
        this.jobs = jobs;
    }

    /**
     * Opens the producer and fetches the metadata of every layout topic in the background, so the first event
     * of the first job does not wait for them (about 0.2 s in a just-started service). A broker not reachable
     * yet only leaves that to the first send.
     */
    @EventListener(ApplicationReadyEvent.class)
    public void connect() {
        // its own thread: the metadata wait may block for max.block.ms, which the common pool must not
        Thread connect = new Thread(() -> {
            try {
                for (TopicSpec topic : topics.all()) {
                    kafka.partitionsFor(topic.name());
                }
            } catch (RuntimeException e) {
                LOG.info("topic metadata not fetched at startup, the first send will: {}", e.toString());
            }
        }, "triplane-producer-connect");
        connect.setDaemon(true);
        connect.start();
    }

    /** Sends one event; the future completes when the broker has acknowledged it. */
    public CompletableFuture<SendResult<String, String>> publish(Topic topic, String key, Record value) {
        if (value instanceof ErrorEvent error) {
            jobs.error(error);
        }
        return kafka.send(new ProducerRecord<>(topics.name(topic), null, key, json.writeValueAsString(value),
                cloudEvents.of(topic, key, value, Instant.now())));
    }

    /**
     * Ends a request: publishes its error event and terminal status (and any other event of {@code end})
     * together and waits until the broker has acknowledged them all.
     *
     * @throws PublishException when a send fails or is not acknowledged in time (the caller's retry publishes again)
     */
    public void end(RequestEnd end) {
        LOG.warn("{}: {} {}: {}", end.error().object(), end.error().stage(), end.error().reason(),
                end.error().detail());
        await(end.error().object(), end.events().stream().map(o -> publish(o.topic(), end.key(), o.event()))
                .toList());
    }

    /** {@link #await(String, Duration, List)} with {@link #DEFAULT_TIMEOUT}. */
    public void await(String object, List<? extends CompletableFuture<?>> sends) {
        await(object, DEFAULT_TIMEOUT, sends);
    }

    /**
     * Waits until every send is acknowledged.
     *
     * @param object  the object the events are about, named in the exception
     * @throws PublishException when a send fails or they are not all acknowledged within {@code timeout}
     */
    public void await(String object, Duration timeout, List<? extends CompletableFuture<?>> sends) {
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new PublishException(object, String.valueOf(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new PublishException(object, "not acknowledged within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException(object, "interrupted", e);
        }
    }
}
