package dev.triplane.worker;

import dev.triplane.core.events.AxisJob;
import dev.triplane.core.events.Reason;
import dev.triplane.core.events.Stage;
import dev.triplane.infra.Topic;
import dev.triplane.infra.service.BadInputException;
import dev.triplane.infra.service.DeadLetterErrorHandlers;
import dev.triplane.infra.service.RequestEnd;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.listener.AcknowledgingShareConsumerAwareMessageListener;
import org.springframework.kafka.support.ShareAcknowledgment;
import org.springframework.kafka.support.micrometer.KafkaListenerObservation;
import org.springframework.kafka.support.micrometer.KafkaRecordReceiverContext;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker's member of the share group {@code triplane-axis-workers} on {@code triplane.axis-jobs}: each job it
 * acquires runs on the job thread, off the container's poll thread, while a timer renews the record's acquisition
 * lock every {@code renew-interval} ({@code RENEW}), so a job longer than the lock is never handed to another
 * worker, while a worker that dies loses its lock within the lock duration and the job goes to another worker.
 *
 * <p>Spring Kafka's container sends the acknowledgements of other threads from its poll loop, which takes no new
 * record while one is unacknowledged: the worker takes one job at a time. The Kafka client (4.2) takes a renewed
 * record out of its in-flight records when the poll sends the {@code RENEW}, and puts it back only when the broker
 * has confirmed the renewal, on a later poll, which hands the record to the listener again with a new handle;
 * until then it refuses any acknowledgement of the record, and when the broker refuses the renewal (the lock was
 * already lost) it drops the record for good. So the next renewal, and the job's end, wait for that hand-back and
 * go on its handle, however long it takes: a finished job whose record never comes back is answered when the
 * broker delivers the record again (here it is accepted at once, on another worker re-published from the stored
 * logits). Each poll that carries a renewal also fetches, and may acquire a waiting job the client then holds
 * unrenewed behind the running one: renewals are kept rare (the group's lock covers most jobs, see the README).
 *
 * <p>The end of a job: {@code ACCEPT} once its result is published; bad input, and a failure that outlasts its
 * retries, end the request (error event, FAILED status, failed {@code AxisResult}, the record on the DLT) and are
 * {@code REJECT}ed. Store and broker faults are retried here with the outage backoff, not by releasing the record,
 * so an outage does not use up deliveries. A record on its last allowed delivery (the broker's
 * {@code group.share.delivery.count.limit}) lost its worker on every earlier one: it ends {@link
 * Reason#WORKER_CRASHED} before computing and is accepted. A record is released only when the worker stops
 * mid-job or cannot publish a job's end at all (the broker down past the backoff).
 */
final class ShareJobListener implements AcknowledgingShareConsumerAwareMessageListener<String, String>,
        DisposableBean {

    /** The share group of the axis-workers (the AsyncAPI document's consumer of {@code triplane.axis-jobs}). */
    static final String GROUP = "triplane-axis-workers";

    private static final Logger LOG = LoggerFactory.getLogger(ShareJobListener.class);

    private final AxisJobHandler handler;
    private final DeadLetterErrorHandlers deadLetters;
    private final JsonMapper json;
    private final WorkerProperties properties;
    private final int deliveryLimit;
    private final ObservationRegistry observations;
    private final ExecutorService jobs = Executors.newSingleThreadExecutor(r -> new Thread(r, "axis-job"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "axis-job-renew"));
    private final Map<String, Job> running = new ConcurrentHashMap<>();

    /**
     * @param deliveryLimit the broker's {@code group.share.delivery.count.limit}
     * @param observations observes each job as a listener of its record, so what the job publishes joins the
     *     record's trace (spring-kafka's share container observes nothing itself)
     */
    ShareJobListener(AxisJobHandler handler, DeadLetterErrorHandlers deadLetters, JsonMapper json,
            WorkerProperties properties, int deliveryLimit, ObservationRegistry observations) {
        this.handler = handler;
        this.deadLetters = deadLetters;
        this.json = json;
        this.properties = properties;
        this.deliveryLimit = deliveryLimit;
        this.observations = observations;
    }

    @Override
    public void onShareRecord(ConsumerRecord<String, String> record, ShareAcknowledgment ack,
            ShareConsumer<?, ?> consumer) {
        String where = RequestEnd.where(record.topic(), record.partition(), record.offset());
        Job job = running.get(where);
        if (job != null) {
            // the job's record again: handed back by a renewal, or delivered anew after its lock was lost (a refused
            // renewal); a running job acknowledges it when it ends, a finished one at once
            job.handedBack(ack);
            return;
        }
        job = new Job(where, record, ack);
        running.put(where, job);
        Job started = job;
        started.renewal = timer.scheduleAtFixedRate(started::renew, properties.renewInterval().toMillis(),
                properties.renewInterval().toMillis(), TimeUnit.MILLISECONDS);
        jobs.execute(() -> started.finish(KafkaListenerObservation.LISTENER_OBSERVATION.observation(null,
                KafkaListenerObservation.DefaultKafkaListenerObservationConvention.INSTANCE,
                () -> new KafkaRecordReceiverContext(record, GROUP, null, GROUP, () -> null), observations)
                .observe(() -> run(started))));
    }

    /** Runs a job to its end, retrying what may pass; returns how its record is acknowledged. */
    private AcknowledgeType run(Job job) {
        ConsumerRecord<String, String> record = job.record;
        int delivery = record.deliveryCount().map(Short::intValue).orElse(1);
        LOG.info("{}: job acquired, delivery {} of at most {}", job.where, delivery, deliveryLimit);
        if (delivery >= deliveryLimit) {
            if (storedAlready(job)) {
                return AcknowledgeType.ACCEPT;
            }
            LOG.warn("{}: delivery {} of {}, every earlier one lost its worker: the job ends", job.where, delivery,
                    deliveryLimit);
            return end(record, new BadInputException(job.where, Reason.WORKER_CRASHED, "delivered " + delivery
                    + " times (the limit), every earlier delivery lost its worker", null), AcknowledgeType.ACCEPT);
        }
        BackOffExecution retries = null;
        while (true) {
            try {
                handler.run(json.readValue(record.value(), AxisJob.class));
                return AcknowledgeType.ACCEPT;
            } catch (RuntimeException e) {
                if (retries == null) {
                    BackOff backOff = deadLetters.retryBackOff(e, properties.maxAttempts(),
                            IllegalArgumentException.class);
                    retries = backOff == null ? () -> BackOffExecution.STOP : backOff.start();
                }
                long pause = retries.nextBackOff();
                if (pause == BackOffExecution.STOP) {
                    return end(record, e, AcknowledgeType.REJECT);
                }
                LOG.warn("{}: retrying in {} ms: {}", job.where, pause, e.toString());
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException stop) {
                    // shutting down: another worker takes the job
                    Thread.currentThread().interrupt();
                    return AcknowledgeType.RELEASE;
                }
            }
        }
    }

    /**
     * Whether a job on its last delivery was finished by an earlier one whose acknowledgement was lost (its result
     * is then re-published); false when that cannot be told (the job then ends), the end reports the input.
     */
    private boolean storedAlready(Job job) {
        try {
            return handler.republishIfStored(json.readValue(job.record.value(), AxisJob.class));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private AcknowledgeType end(ConsumerRecord<String, String> record, Exception e, AcknowledgeType ack) {
        try {
            deadLetters.giveUp(Topic.AXIS_JOBS, Stage.AXIS_WORKER, record, e, properties.maxAttempts(),
                    handler::failRecord, IllegalArgumentException.class);
            return ack;
        } catch (RuntimeException publish) {
            // the broker refused the end itself (down past the backoff): the only way left to end the job later
            LOG.error("{}: the job's end could not be published; its record is released: {}",
                    RequestEnd.where(record.topic(), record.partition(), record.offset()), publish.toString());
            return AcknowledgeType.RELEASE;
        }
    }

    @Override
    public void destroy() throws InterruptedException {
        jobs.shutdownNow();
        timer.shutdownNow();
        jobs.awaitTermination(10, TimeUnit.SECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * One acquired record: its newest acknowledgement handle (a renewal hands the record back with a new one), its
     * renewals, and its terminal acknowledgement once the job has ended.
     */
    private final class Job {

        private final String where;
        private final ConsumerRecord<String, String> record;
        private final long startNanos = System.nanoTime();
        private ShareAcknowledgment ack;
        private boolean handBackDue;
        private AcknowledgeType result;
        private boolean finished;
        private volatile ScheduledFuture<?> renewal;

        Job(String where, ConsumerRecord<String, String> record, ShareAcknowledgment ack) {
            this.where = where;
            this.record = record;
            this.ack = ack;
        }

        /** Extends the record's lock while the job runs, up to {@code max-job-duration}. */
        synchronized void renew() {
            if (finished || handBackDue) {
                // the client takes no acknowledgement of a renewed record until the poll has handed it back
                return;
            }
            if (System.nanoTime() - startNanos > properties.maxJobDuration().toNanos()) {
                // a hung job: let the lock lapse so the record counts towards its delivery limit
                LOG.error("{}: still running after {}; its lock is no longer renewed", where,
                        properties.maxJobDuration());
                renewal.cancel(false);
                return;
            }
            ack.renew();
            handBackDue = true;
        }

        /** The record handed back by the poll after a renewal, with the handle its acknowledgement now goes on. */
        synchronized void handedBack(ShareAcknowledgment newer) {
            ack = newer;
            handBackDue = false;
            if (finished) {
                acknowledge();
            }
        }

        /**
         * The job ended: acknowledge now, or, while a renewal is pending, on the handle of the record it hands back
         * (an acknowledgement before that is refused by the client).
         */
        synchronized void finish(AcknowledgeType type) {
            renewal.cancel(false);
            finished = true;
            result = type;
            if (handBackDue) {
                LOG.debug("{}: ended; acknowledged when the pending renewal hands the record back", where);
            } else {
                acknowledge();
            }
        }

        private void acknowledge() {
            running.remove(where);
            switch (result) {
                case ACCEPT -> ack.acknowledge();
                case REJECT -> ack.reject();
                default -> ack.release();
            }
        }
    }
}
