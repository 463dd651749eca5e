package dev.triplane.infra.local;

import dev.triplane.infra.KafkaSettings;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A local broker's client listener as a production cluster would have it: SASL_SSL with SCRAM-SHA-512 logins,
 * optionally mutual TLS (every client presents a certificate the CA signed). The SCRAM credentials, one for the
 * broker's own connections and one for the clients, are written into the metadata log when the storage is
 * formatted (KRaft keeps them there; {@code kafka-storage format --add-scram}), so a folder keeps the credentials
 * of its first start. The controller listener stays PLAINTEXT on loopback: only the node itself connects to it.
 *
 * @param certificates   the CA, the broker's and the client's certificates
 * @param clientUser     the SCRAM user the clients log in as
 * @param clientPassword its password
 * @param brokerPassword the password of SCRAM user {@code broker}, the broker's own login
 * @param mutualTls      whether the broker requires client certificates
 */
public record LocalKafkaSecurity(LocalCertificates certificates, String clientUser, String clientPassword,
                                 String brokerPassword, boolean mutualTls) {

    static final String LISTENER = "SASL_SSL";
    private static final String MECHANISM = "SCRAM-SHA-512";
    private static final String BROKER_USER = "broker";

    /** SCRAM-SHA-512 with random passwords for user {@code triplane} and the broker, on these certificates. */
    public static LocalKafkaSecurity scram(LocalCertificates certificates, boolean mutualTls) {
        return new LocalKafkaSecurity(certificates, "triplane", randomPassword(), randomPassword(), mutualTls);
    }

    /** The spring.kafka.* settings of a client logging in as {@code user} with {@code password}. */
    public Map<String, String> clientSettings(String user, String password) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(KafkaSettings.SECURITY_PROTOCOL, LISTENER);
        settings.put(KafkaSettings.CLIENT_PREFIX + "sasl.mechanism", MECHANISM);
        settings.put(KafkaSettings.CLIENT_PREFIX + "sasl.jaas.config", jaas(user, password));
        settings.put(KafkaSettings.CLIENT_PREFIX + "ssl.truststore.location", certificates.trustStore().toString());
        settings.put(KafkaSettings.CLIENT_PREFIX + "ssl.truststore.password", certificates.password());
        settings.put(KafkaSettings.CLIENT_PREFIX + "ssl.truststore.type", "PKCS12");
        if (mutualTls) {
            settings.put(KafkaSettings.CLIENT_PREFIX + "ssl.keystore.location",
                    certificates.clientKeyStore().toString());
            settings.put(KafkaSettings.CLIENT_PREFIX + "ssl.keystore.password", certificates.password());
            settings.put(KafkaSettings.CLIENT_PREFIX + "ssl.keystore.type", "PKCS12");
            settings.put(KafkaSettings.CLIENT_PREFIX + "ssl.key.password", certificates.password());
        }
        return settings;
    }

    /** The spring.kafka.* settings of the clients' own login. */
    public Map<String, String> clientSettings() {
        return clientSettings(clientUser, clientPassword);
    }

    /** The broker's settings for its SASL_SSL listener (named {@value #LISTENER}). */
    Map<String, String> brokerProperties() {
        String prefix = "listener.name." + LISTENER.toLowerCase(Locale.ROOT) + ".";
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put(prefix + MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config", jaas(BROKER_USER, brokerPassword));
        p.put("ssl.keystore.location", certificates.brokerKeyStore().toString());
        p.put("ssl.keystore.password", certificates.password());
        p.put("ssl.key.password", certificates.password());
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.truststore.location", certificates.trustStore().toString());
        p.put("ssl.truststore.password", certificates.password());
        p.put("ssl.truststore.type", "PKCS12");
        // on a SASL_SSL listener Kafka ignores the unprefixed ssl.client.auth
        p.put(prefix + "ssl.client.auth", mutualTls ? "required" : "none");
        return p;
    }

    /** {@code kafka-storage format} arguments that write both SCRAM credentials into the metadata log. */
    List<String> formatArguments() {
        return List.of("--add-scram", MECHANISM + "=[name=" + BROKER_USER + ",password=" + brokerPassword + "]",
                "--add-scram", MECHANISM + "=[name=" + clientUser + ",password=" + clientPassword + "]");
    }

    @Override
    public String toString() {
        return "LocalKafkaSecurity[" + LISTENER + " " + MECHANISM + ", user " + clientUser + ", mutualTls "
                + mutualTls + "]";
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private static String randomPassword() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
