package dev.triplane.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What one built service accepts as configuration: every property named in the configuration metadata of its
 * fat jar (its own classes and each nested library: service-support's {@code triplane.*}, Spring Boot's
 * {@code spring.kafka.*}, {@code server.*}, ...) and its {@code server.port}.
 *
 * @param module     module folder, compose service and jar name, e.g. {@code ingest-service}
 * @param properties property names, e.g. {@code triplane.s3.access-key}
 * @param maps       names of Map-typed properties, whose keys are free ({@code spring.kafka.properties})
 * @param serverPort {@code server.port} of the module's {@code application.yml}
 */
record ServiceConfiguration(String module, Set<ConfigurationPropertyName> properties,
        Set<ConfigurationPropertyName> maps, int serverPort) {

    private static final String METADATA = "META-INF/spring-configuration-metadata.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Map<Path, ServiceConfiguration> LOADED = new ConcurrentHashMap<>();

    /**
     * Reads {@code <root>/<module>/target/<module>.jar} and the module's {@code application.yml}, once per test
     * JVM.
     */
    static ServiceConfiguration load(Path root, String module) {
        return LOADED.computeIfAbsent(root.resolve(module), dir -> read(root, module));
    }

    private static ServiceConfiguration read(Path root, String module) {
        Path jar = root.resolve(module).resolve("target").resolve(module + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " missing: build the service first (mvn -pl " + module
                    + " -am package)");
        }
        Set<ConfigurationPropertyName> properties = new HashSet<>();
        Set<ConfigurationPropertyName> maps = new HashSet<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            int metadataFiles = 0;
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                // Boot's repackaging moves the application's META-INF to the root of the fat jar.
                if (name.equals(METADATA) || name.equals("BOOT-INF/classes/" + METADATA)) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        addProperties(in, properties, maps);
                        metadataFiles++;
                    }
                } else if (name.startsWith("BOOT-INF/lib/") && name.endsWith(".jar")) {
                    metadataFiles += addNestedProperties(zip, entry, properties, maps);
                }
            }
            if (zip.getEntry(METADATA) == null && zip.getEntry("BOOT-INF/classes/" + METADATA) == null) {
                throw new IllegalStateException(jar + " has no " + METADATA
                        + " of its own: add spring-boot-configuration-processor to " + module);
            }
            if (metadataFiles < 2) {
                throw new IllegalStateException(jar + ": no library metadata found");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
        return new ServiceConfiguration(module, Set.copyOf(properties), Set.copyOf(maps), serverPort(root, module));
    }

    /**
     * The names among {@code environmentNames} that bind to no property of this service under Spring's relaxed
     * binding of environment variables ({@code TRIPLANE_S3_ACCESS_KEY} -> {@code triplane.s3.access-key}).
     */
    List<String> unknown(Iterable<String> environmentNames) {
        List<String> unknown = new ArrayList<>();
        for (String name : environmentNames) {
            if (!binds(name)) {
                unknown.add(name);
            }
        }
        return unknown;
    }

    private boolean binds(String environmentName) {
        ConfigurationPropertySource source = ConfigurationPropertySource.from(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(environmentName, "value")));
        for (ConfigurationPropertyName property : properties) {
            if (source.getConfigurationProperty(property) != null) {
                return true;
            }
        }
        for (ConfigurationPropertyName map : maps) {
            if (source.containsDescendantOf(map) == ConfigurationPropertyState.PRESENT) {
                return true;
            }
        }
        return false;
    }

    private static int addNestedProperties(ZipFile zip, ZipEntry nested, Set<ConfigurationPropertyName> properties,
            Set<ConfigurationPropertyName> maps) throws IOException {
        // A copy opens by its central directory; streaming through the nested jar would inflate every entry.
        Path copy = Files.createTempFile("nested", ".jar");
        try {
            try (InputStream in = zip.getInputStream(nested)) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            try (ZipFile jar = new ZipFile(copy.toFile())) {
                ZipEntry metadata = jar.getEntry(METADATA);
                if (metadata == null) {
                    return 0;
                }
                try (InputStream in = jar.getInputStream(metadata)) {
                    addProperties(in, properties, maps);
                }
                return 1;
            }
        } finally {
            Files.delete(copy);
        }
    }

    private static void addProperties(InputStream in, Set<ConfigurationPropertyName> properties,
            Set<ConfigurationPropertyName> maps) throws IOException {
        JsonNode metadata = JSON.readTree(in.readNBytes(Integer.MAX_VALUE));
        for (JsonNode property : metadata.path("properties")) {
            ConfigurationPropertyName name = ConfigurationPropertyName.ofIfValid(property.path("name").asString());
            if (name == null) {
                continue;
            }
            properties.add(name);
            if (property.path("type").asString("").startsWith("java.util.Map<")) {
                maps.add(name);
            }
        }
    }

    private static int serverPort(Path root, String module) {
        Path yml = root.resolve(module).resolve("src/main/resources/application.yml");
        try (InputStream in = Files.newInputStream(yml)) {
            Map<String, Object> config = new Yaml().load(in);
            Object server = config.get("server");
            if (!(server instanceof Map<?, ?> serverMap) || !(serverMap.get("port") instanceof Integer port)) {
                throw new IllegalStateException(yml + " sets no server.port");
            }
            return port;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + yml, e);
        }
    }
}
