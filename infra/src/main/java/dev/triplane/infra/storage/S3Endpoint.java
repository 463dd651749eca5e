package dev.triplane.infra.storage;

/**
 * Where and how to reach an S3-compatible server.
 *
 * @param url       base URL, e.g. {@code http://127.0.0.1:9000}
 * @param region    signing region, e.g. {@code us-east-1}
 * @param accessKey access key (identity)
 * @param secretKey secret key (credential)
 */
public record S3Endpoint(String url, String region, String accessKey, String secretKey) {

    @Override
    public String toString() {
        // Keep the secret out of logs.
        return "S3Endpoint[url=" + url + ", region=" + region + ", accessKey=" + accessKey + "]";
    }
}
