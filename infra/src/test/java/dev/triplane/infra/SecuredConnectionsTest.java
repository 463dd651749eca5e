package dev.triplane.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.triplane.infra.local.LocalCertificates;
import dev.triplane.infra.local.LocalKafkaSecurity;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.storage.MinioObjectStore;
import dev.triplane.infra.storage.ObjectStore;
import dev.triplane.infra.storage.ObjectStoreException;
import dev.triplane.infra.storage.S3Endpoint;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local broker with its client listener on SASL_SSL (SCRAM-SHA-512) and mutual TLS, certificates generated
 * here: provisioning connects with the services' environment names, a client without credentials or with a
 * wrong password is refused. The pipeline over such a broker is cli's {@code PipelineEndToEndTest}. And an
 * {@code https} S3 endpoint whose certificate a private CA signed is reached with that CA's PEM, and refused
 * without it.
 */
class SecuredConnectionsTest {

    @TempDir
    static Path dir;

    private static LocalKafkaSecurity security;
    private static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        long t0 = System.nanoTime();
        security = LocalKafkaSecurity.scram(LocalCertificates.generate(dir.resolve("certs")), true);
        long t1 = System.nanoTime();
        stack = LocalStack.start(dir.resolve("stack"), security);
        System.out.printf("certificates: %.2f s, secured stack: %.2f s%n", (t1 - t0) / 1e9,
                (System.nanoTime() - t1) / 1e9);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void provisionConnectsWithTheSecuritySettingsInTheServicesEnvironmentNames() throws Exception {
        Map<String, String> env = new HashMap<>();
        stack.kafka().properties().forEach((key, value) -> env.put(KafkaSettings.toEnvironmentName(key), value));
        env.putAll(Map.of("TRIPLANE_S3_URL", stack.s3().url(), "TRIPLANE_S3_REGION", stack.s3().region(),
                "TRIPLANE_S3_ACCESS_KEY", stack.s3().accessKey(), "TRIPLANE_S3_SECRET_KEY", stack.s3().secretKey()));
        assertThat(env).containsKeys("SPRING_KAFKA_SECURITY_PROTOCOL", "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG",
                "SPRING_KAFKA_PROPERTIES_SSL_KEYSTORE_LOCATION");

        ProvisionTest.Run run = ProvisionTest.runMain(env);

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("topics ready on " + stack.bootstrapServers() + ": created [], ");
    }

    @Test
    void aClientWithoutCredentialsIsRefused() {
        // TLS with the CA trusted, but neither a client certificate nor a SCRAM login
        Map<String, Object> config = new HashMap<>(stack.kafka().clientConfig());
        config.keySet().removeIf(key -> key.startsWith("ssl.keystore") || key.startsWith("ssl.key.")
                || key.startsWith("sasl."));
        config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");

        assertThatThrownBy(() -> describeCluster(config)).cause().isInstanceOf(SslAuthenticationException.class);
    }

    @Test
    void aWrongPasswordIsRefused() {
        KafkaSettings wrong = stack.kafka().with(security.clientSettings(security.clientUser(), "wrong-password"));

        assertThatThrownBy(() -> describeCluster(wrong.clientConfig())).cause()
                .isInstanceOf(SaslAuthenticationException.class).hasMessageContaining("SCRAM-SHA-512");
    }

    @Test
    void theClientSettingsConnect() throws Exception {
        assertThat(describeCluster(stack.kafka().clientConfig())).isEqualTo(1);
    }

    @Test
    void anHttpsS3EndpointIsTrustedThroughTheConfiguredCaOnly() throws Exception {
        LocalCertificates certificates = security.certificates();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificates.brokerKeyStore())) {
            keyStore.load(in, certificates.password().toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, certificates.password().toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        // every object is missing: enough to tell a completed TLS exchange from a refused one
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        try {
            String url = "https://127.0.0.1:" + server.getAddress().getPort();
            S3Endpoint trusted = new S3Endpoint(url, "us-east-1", "key", "secret",
                    certificates.caPem().toString());
            try (ObjectStore store = new MinioObjectStore(trusted, "bucket")) {
                assertThat(store.stat("inbox/x.nii.gz")).isEmpty();
            }
            S3Endpoint jvmCas = new S3Endpoint(url, "us-east-1", "key", "secret");
            try (ObjectStore store = new MinioObjectStore(jvmCas, "bucket")) {
                assertThatThrownBy(() -> store.stat("inbox/x.nii.gz")).isInstanceOf(ObjectStoreException.class)
                        .hasRootCauseInstanceOf(CertPathBuilderException.class);
            }
        } finally {
            server.stop(0);
        }
    }

    private static int describeCluster(Map<String, Object> config) throws Exception {
        try (Admin client = Admin.create(config)) {
            return client.describeCluster(new DescribeClusterOptions().timeoutMs(15000)).nodes()
                    .get(20, TimeUnit.SECONDS).size();
        }
    }
}
