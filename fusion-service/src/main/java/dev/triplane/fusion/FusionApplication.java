package dev.triplane.fusion;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The fusion-service: a Kafka Streams topology fusing the axis results of each request ({@link FusionTopology}). */
@SpringBootApplication
@ConfigurationPropertiesScan
public class FusionApplication {

    public static void main(String[] args) {
        SpringApplication.run(FusionApplication.class, args);
    }
}
