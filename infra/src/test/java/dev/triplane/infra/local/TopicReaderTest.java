package dev.triplane.infra.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What a reader hands out: {@code next} only what is new (a follow loop's path), {@code poll} all so far. */
class TopicReaderTest {

    private static final String TOPIC = "t";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    /** The next offset per partition. */
    private final Map<TopicPartition, Long> ends = new HashMap<>();

    @Test
    void nextHandsOutEachValueOnceWhilePollStillReturnsAllSoFar() {
        TopicReader<String> reader = reader();
        add(P0, "a");
        assertThat(reader.next(Duration.ZERO)).containsExactly("a");
        add(P0, "b");
        add(P1, "c");
        assertThat(reader.next(Duration.ZERO)).containsExactlyInAnyOrder("b", "c");
        assertThat(reader.next(Duration.ZERO)).isEmpty();
        add(P1, "d");
        assertThat(reader.poll(Duration.ZERO)).containsExactlyInAnyOrder("a", "b", "c", "d");
        // what poll read is still new to next
        assertThat(reader.next(Duration.ZERO)).containsExactly("d");
    }

    @Test
    void nextToEndReadsUpToEachPartitionsEndAndHandsOutOnlyWhatIsNew() {
        TopicReader<String> reader = reader();
        add(P0, "a");
        assertThat(reader.next(Duration.ZERO)).containsExactly("a");
        add(P0, "b");
        add(P1, "c");
        consumer.updateEndOffsets(ends);
        assertThat(reader.nextToEnd()).containsExactlyInAnyOrder("b", "c");
        assertThat(reader.nextToEnd()).isEmpty();
        assertThat(reader.readToEnd()).containsExactlyInAnyOrder("a", "b", "c");
    }

    private TopicReader<String> reader() {
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null),
                new PartitionInfo(TOPIC, 1, null, null, null)));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer.updateEndOffsets(Map.of(P0, 0L, P1, 0L));
        TopicReader<String> reader = new TopicReader<>(consumer, TOPIC, String.class);
        // MockConsumer resolves the seek to the beginning on the first poll, before records may be added
        assertThat(reader.next(Duration.ZERO)).isEmpty();
        return reader;
    }

    private void add(TopicPartition p, String value) {
        long offset = ends.merge(p, 1L, Long::sum) - 1;
        consumer.addRecord(new ConsumerRecord<>(TOPIC, p.partition(), offset, "k", value));
    }
}
