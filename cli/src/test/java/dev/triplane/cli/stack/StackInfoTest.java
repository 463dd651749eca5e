package dev.triplane.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.infra.KafkaSettings;
import dev.triplane.infra.storage.S3Endpoint;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stack.json keeps a secured broker's client settings, so submit, status and demo connect as the services do. */
class StackInfoTest {

    @Test
    void theKafkaSettingsSurviveTheFile(@TempDir Path dir) throws Exception {
        KafkaSettings kafka = KafkaSettings.plaintext("127.0.0.1:9093").with(Map.of(
                KafkaSettings.SECURITY_PROTOCOL, "SASL_SSL",
                KafkaSettings.CLIENT_PREFIX + "sasl.jaas.config", "ScramLoginModule required password=\"p\";"));
        StackInfo info = new StackInfo(kafka, new S3Endpoint("http://127.0.0.1:9000", "us-east-1", "k", "s"),
                "triplane", "/tmp/b", "http://127.0.0.1:8081", "token-of-this-run", Map.of("triplane", 1L), Map.of());

        info.write(dir);

        StackInfo read = StackInfo.read(dir);
        assertThat(read).isEqualTo(info);
        assertThat(read.kafka().clientConfig()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "127.0.0.1:9093");
    }
}
