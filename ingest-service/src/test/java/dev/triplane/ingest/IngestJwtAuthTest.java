package dev.triplane.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.triplane.infra.local.LocalStack;
import dev.triplane.infra.local.SharedLocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/**
 * The API in its deployment mode, {@code JWT}, against a key pair made here: the service knows the issuer's public
 * key ({@code spring.security.oauth2.resourceserver.jwt.public-key-location}, where a deployment names its
 * issuer's {@code issuer-uri}), and takes a token that key signed while it is valid, nothing else.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "triplane.ingest.inbox.enabled=false")
class IngestJwtAuthTest {

    private static final LocalStack STACK = SharedLocalStack.get();
    private static final KeyPair ISSUER = rsaKeyPair();
    private static final KeyPair STRANGER = rsaKeyPair();

    @Autowired
    private Environment environment;

    @DynamicPropertySource
    static void stack(DynamicPropertyRegistry registry) throws IOException {
        STACK.serviceProperties().forEach((name, value) -> registry.add(name, () -> value));
        registry.add("triplane.ingest.inbox.work-dir", () -> "target");
        Path publicKey = Files.writeString(Path.of("target", "jwt-test-issuer.pem"), "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(ISSUER.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        registry.add("spring.security.oauth2.resourceserver.jwt.public-key-location",
                () -> "file:" + publicKey.toAbsolutePath());
    }

    @Test
    void aTokenTheIssuerSignedIsAcceptedAnExpiredOrForeignOneIsNot() {
        Instant now = Instant.now();
        String valid = jwt(ISSUER, now.plus(Duration.ofMinutes(5)));
        // past the decoder's 60 s clock skew
        String expired = jwt(ISSUER, now.minus(Duration.ofMinutes(5)));
        String foreign = jwt(STRANGER, now.plus(Duration.ofMinutes(5)));

        // authenticated: the unknown volume is 404 (503 only while the status view still reads its topic)
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(unknownVolume(valid)).isEqualTo(404));
        assertThat(unknownVolume(expired)).isEqualTo(401);
        assertThat(unknownVolume(foreign)).isEqualTo(401);
        assertThat(unknownVolume("not.a.jwt")).isEqualTo(401);
        int health = RestClient.create(baseUrl()).get().uri("/actuator/health")
                .exchange((request, response) -> response.getStatusCode().value());
        assertThat(health).isEqualTo(200);
    }

    private int unknownVolume(String token) {
        return RestClient.create(baseUrl()).get().uri("/volumes/{id}", "0".repeat(64))
                .header("Authorization", "Bearer " + token)
                .exchange((request, response) -> response.getStatusCode().value());
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + environment.getProperty("local.server.port");
    }

    private static String jwt(KeyPair key, Instant expires) {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), new JWTClaimsSet.Builder()
                .subject("scanner-7").issueTime(Date.from(expires.minus(Duration.ofMinutes(10))))
                .expirationTime(Date.from(expires)).build());
        try {
            jwt.sign(new RSASSASigner((RSAPrivateKey) key.getPrivate()));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    private static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides RSA", e);
        }
    }
}
