package dev.triplane.ingest;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The ingest-service: inbox scanner, upload endpoint and job emission (see README.md). */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class IngestApplication {

    public static void main(String[] args) {
        SpringApplication.run(IngestApplication.class, args);
    }
}
