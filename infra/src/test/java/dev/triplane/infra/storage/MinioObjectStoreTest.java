package dev.triplane.infra.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Failure classification without a server; the round trips on a real server are in LocalStackTest. */
class MinioObjectStoreTest {

    @Test
    void unreachableServerIsRetryable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        S3Endpoint endpoint = new S3Endpoint("http://127.0.0.1:" + closedPort, "us-east-1", "a", "secret-key");
        try (ObjectStore store = new MinioObjectStore(endpoint, "bucket")) {
            assertThatThrownBy(() -> store.stat("volumes/x/image.nii.gz"))
                    .isInstanceOfSatisfying(ObjectStoreException.class,
                            e -> assertThat(e.retryable()).isTrue())
                    .hasMessageContaining("bucket/volumes/x/image.nii.gz");
        }
    }

    @Test
    void endpointToStringHidesTheSecret() {
        S3Endpoint endpoint = new S3Endpoint("http://h:1", "us-east-1", "key", "very-secret");
        assertThat(endpoint.toString()).contains("key").doesNotContain("very-secret");
    }
}
