package dev.triplane.infra;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * How a Kafka client reaches the cluster, in the one scheme every TriPlane client reads: Spring Boot's property
 * names {@code spring.kafka.bootstrap-servers}, {@code spring.kafka.security.protocol} and
 * {@code spring.kafka.properties.<Kafka client setting>} ({@code sasl.mechanism}, {@code sasl.jaas.config},
 * {@code ssl.truststore.location}, {@code ssl.keystore.location}, ...). The services bind these names with Spring
 * Boot, which hands {@code spring.kafka.properties.*} to every client it builds (producers, consumers, admin,
 * Streams); the CLI and {@link Provision} read the same names here, from the environment in Spring's form
 * ({@code SPRING_KAFKA_SECURITY_PROTOCOL}, {@code SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG}) or from
 * {@code stack.json}.
 *
 * @param properties Spring property name to value: the bootstrap servers (required), the protocol and client
 *                   settings (optional)
 */
public record KafkaSettings(Map<String, String> properties) {

    public static final String BOOTSTRAP_SERVERS = "spring.kafka.bootstrap-servers";
    public static final String SECURITY_PROTOCOL = "spring.kafka.security.protocol";
    /** Spring Boot passes what follows this prefix to every Kafka client as it is. */
    public static final String CLIENT_PREFIX = "spring.kafka.properties.";

    public KafkaSettings {
        properties = Map.copyOf(properties);
        if (properties.getOrDefault(BOOTSTRAP_SERVERS, "").isBlank()) {
            throw new IllegalArgumentException(BOOTSTRAP_SERVERS + " is not set");
        }
        for (String key : properties.keySet()) {
            if (!key.equals(BOOTSTRAP_SERVERS) && !key.equals(SECURITY_PROTOCOL) && !key.startsWith(CLIENT_PREFIX)) {
                throw new IllegalArgumentException(key + " is not a Kafka connection setting");
            }
        }
    }

    /** A cluster reached without TLS or authentication (the local stack's default). */
    public static KafkaSettings plaintext(String bootstrapServers) {
        return new KafkaSettings(Map.of(BOOTSTRAP_SERVERS, bootstrapServers));
    }

    /**
     * The settings named by environment variables in Spring's form: {@code SPRING_KAFKA_BOOTSTRAP_SERVERS}
     * (required), {@code SPRING_KAFKA_SECURITY_PROTOCOL} and every {@code SPRING_KAFKA_PROPERTIES_*}, whose rest
     * is a Kafka client setting with dots for underscores ({@code SPRING_KAFKA_PROPERTIES_SSL_TRUSTSTORE_LOCATION}
     * is {@code ssl.truststore.location}), as Spring Boot reads them in the services.
     */
    public static KafkaSettings fromEnvironment(Map<String, String> env) {
        Map<String, String> properties = new HashMap<>();
        String clientPrefix = toEnvironmentName(CLIENT_PREFIX);
        env.forEach((name, value) -> {
            if (name.equals(toEnvironmentName(BOOTSTRAP_SERVERS))) {
                properties.put(BOOTSTRAP_SERVERS, value);
            } else if (name.equals(toEnvironmentName(SECURITY_PROTOCOL))) {
                properties.put(SECURITY_PROTOCOL, value);
            } else if (name.startsWith(clientPrefix) && name.length() > clientPrefix.length()) {
                properties.put(CLIENT_PREFIX + name.substring(clientPrefix.length()).toLowerCase(Locale.ROOT)
                        .replace('_', '.'), value);
            }
        });
        return new KafkaSettings(properties);
    }

    /** {@code SPRING_KAFKA_SECURITY_PROTOCOL} for {@code spring.kafka.security.protocol}. */
    public static String toEnvironmentName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public String bootstrapServers() {
        return properties.get(BOOTSTRAP_SERVERS);
    }

    /** The Kafka client configuration these settings make: bootstrap servers, protocol and client settings. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        properties.forEach((key, value) -> {
            if (key.startsWith(CLIENT_PREFIX)) {
                config.put(key.substring(CLIENT_PREFIX.length()), value);
            }
        });
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        if (properties.containsKey(SECURITY_PROTOCOL)) {
            config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, properties.get(SECURITY_PROTOCOL));
        }
        return config;
    }

    /** The same settings with {@code more} added or replacing. */
    public KafkaSettings with(Map<String, String> more) {
        Map<String, String> merged = new HashMap<>(properties);
        merged.putAll(more);
        return new KafkaSettings(merged);
    }

    @Override
    public String toString() {
        // Passwords and JAAS logins stay out of logs.
        Map<String, String> shown = new TreeMap<>();
        properties.forEach((key, value) -> shown.put(key,
                key.contains("password") || key.contains("jaas") || key.endsWith(".key") ? "****" : value));
        return "KafkaSettings" + shown;
    }
}
