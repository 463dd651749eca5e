package dev.triplane.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicsTest {

    private final Topics topics = Topics.load();

    @Test
    void layoutNamesEveryTopicOfTheMethod() {
        assertThat(topics.name(Topic.VOLUMES)).isEqualTo("triplane.volumes");
        assertThat(topics.name(Topic.AXIS_JOBS)).isEqualTo("triplane.axis-jobs");
        assertThat(topics.name(Topic.AXIS_RESULTS)).isEqualTo("triplane.axis-results");
        assertThat(topics.name(Topic.FUSION_JOBS)).isEqualTo("triplane.fusion-jobs");
        assertThat(topics.name(Topic.SEGMENTATIONS)).isEqualTo("triplane.segmentations");
        assertThat(topics.name(Topic.METRICS)).isEqualTo("triplane.metrics");
        assertThat(topics.name(Topic.STATUS)).isEqualTo("triplane.status");
        assertThat(topics.name(Topic.ERRORS)).isEqualTo("triplane.errors");
        assertThat(topics.name(Topic.INBOX_EVENTS)).isEqualTo("triplane.inbox-events");
    }

    @Test
    void statusIsCompactedAndTheOthersExpire() {
        assertThat(topics.spec(Topic.STATUS).configs()).containsExactly(Map.entry("cleanup.policy", "compact"));
        assertThat(topics.spec(Topic.AXIS_JOBS).configs())
                .containsEntry("cleanup.policy", "delete")
                .containsEntry("retention.ms", "604800000");
    }

    @Test
    void consumedTopicsHaveDeadLetterTopicsWithTheSamePartitions() {
        for (Topic topic : List.of(Topic.INBOX_EVENTS, Topic.AXIS_JOBS, Topic.AXIS_RESULTS, Topic.FUSION_JOBS,
                Topic.SEGMENTATIONS)) {
            TopicSpec dlt = topics.deadLetter(topic).orElseThrow();
            assertThat(dlt.name()).isEqualTo(topics.name(topic) + ".dlt");
            assertThat(dlt.partitions()).isEqualTo(topics.spec(topic).partitions());
            assertThat(dlt.compacted()).isFalse();
        }
        assertThat(topics.deadLetter(Topic.STATUS)).isEmpty();
        assertThat(topics.deadLetter(Topic.ERRORS)).isEmpty();
    }

    @Test
    void allListsMainTopicsThenDeadLettersWithoutDuplicates() {
        List<String> names = topics.all().stream().map(TopicSpec::name).toList();
        assertThat(names).hasSize(Topic.values().length + 5).doesNotHaveDuplicates();
        assertThat(names.get(0)).isEqualTo("triplane.inbox-events");
        assertThat(names.get(names.size() - 1)).endsWith(".dlt");
    }

    @Test
    void newTopicsCarryPartitionsReplicationAndConfigs() {
        NewTopic jobs = topics.newTopics((short) 3).stream()
                .filter(t -> t.name().equals("triplane.axis-jobs")).findFirst().orElseThrow();
        assertThat(jobs.numPartitions()).isEqualTo(topics.spec(Topic.AXIS_JOBS).partitions());
        assertThat(jobs.replicationFactor()).isEqualTo((short) 3);
        assertThat(jobs.configs()).containsEntry("cleanup.policy", "delete");
    }

    @Test
    void rejectsLayoutMissingATopic() {
        String json = """
                {"version": 1, "deadLetter": {"suffix": ".dlt", "retentionMs": 1000},
                 "topics": {"volumes": {"name": "v", "partitions": 1, "compacted": false,
                                        "retentionMs": 1000, "deadLetter": false}}}""";
        assertThatThrownBy(() -> Topics.from(parse(json)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inbox-events");
    }

    @Test
    void rejectsZeroPartitionsZeroRetentionAndExpiringCompaction() {
        assertThatThrownBy(() -> new TopicSpec("t", 0, false, 1000)).hasMessageContaining("partitions");
        assertThatThrownBy(() -> new TopicSpec("t", 1, false, 0)).hasMessageContaining("retentionMs");
        assertThatThrownBy(() -> new TopicSpec("t", 1, true, 1000)).hasMessageContaining("compacted");
    }

    @Test
    void rejectsUnknownLayoutVersion() {
        assertThatThrownBy(() -> parse("{\"version\": 2}")).hasMessageContaining("version");
    }

    static tools.jackson.databind.JsonNode parse(String json) {
        return LayoutFile.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }
}
