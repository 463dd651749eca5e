package dev.triplane.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one scheme of Kafka connection settings: Spring's names, in the environment as Spring Boot reads them. */
class KafkaSettingsTest {

    @Test
    void readsTheServicesEnvironmentNamesIntoClientConfig() {
        KafkaSettings settings = KafkaSettings.fromEnvironment(Map.of(
                "SPRING_KAFKA_BOOTSTRAP_SERVERS", "kafka:9093",
                "SPRING_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "SPRING_KAFKA_PROPERTIES_SASL_MECHANISM", "SCRAM-SHA-512",
                "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "ScramLoginModule required password=\"p\";",
                "SPRING_KAFKA_PROPERTIES_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/ca.p12",
                "TRIPLANE_S3_URL", "ignored", "PATH", "/bin"));

        assertThat(settings.properties()).containsEntry("spring.kafka.properties.ssl.truststore.location",
                "/etc/kafka/ca.p12").hasSize(5);
        assertThat(settings.clientConfig()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "bootstrap.servers", "kafka:9093", "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", "ScramLoginModule required password=\"p\";",
                "ssl.truststore.location", "/etc/kafka/ca.p12"));
        assertThat(settings.toString()).contains("SASL_SSL").doesNotContain("password=");
    }

    @Test
    void refusesSettingsWithoutBootstrapServersAndOtherSpringKeys() {
        assertThatThrownBy(() -> KafkaSettings.fromEnvironment(Map.of("SPRING_KAFKA_SECURITY_PROTOCOL", "SSL")))
                .hasMessageContaining("spring.kafka.bootstrap-servers is not set");
        assertThatThrownBy(() -> new KafkaSettings(Map.of("spring.kafka.bootstrap-servers", "b:9092",
                "spring.kafka.consumer.group-id", "g"))).hasMessageContaining("spring.kafka.consumer.group-id");
    }
}
