package dev.triplane.metrics;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The metrics-service: fused segmentations against their reference labels (see {@link SegmentationMeasurer}). */
@SpringBootApplication
@ConfigurationPropertiesScan
public class MetricsApplication {

    public static void main(String[] args) {
        SpringApplication.run(MetricsApplication.class, args);
    }
}
