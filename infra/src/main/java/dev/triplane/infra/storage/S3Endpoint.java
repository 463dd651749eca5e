package dev.triplane.infra.storage;

/**
 * Where and how to reach an S3-compatible server.
 *
 * @param url            base URL, e.g. {@code http://127.0.0.1:9000} or {@code https://s3.example.org}
 * @param region         signing region, e.g. {@code us-east-1}
 * @param accessKey      access key (identity)
 * @param secretKey      secret key (credential)
 * @param caCertificates PEM file of the certificate authorities an {@code https} URL's certificate must chain to
 *                       (a private CA), instead of the JVM's; null for the JVM's
 */
public record S3Endpoint(String url, String region, String accessKey, String secretKey, String caCertificates) {

    public S3Endpoint {
        // an empty setting (an unset variable in a compose file or manifest) means none
        caCertificates = caCertificates == null || caCertificates.isBlank() ? null : caCertificates;
    }

    /** An endpoint whose {@code https} certificate, if any, chains to one of the JVM's certificate authorities. */
    public S3Endpoint(String url, String region, String accessKey, String secretKey) {
        this(url, region, accessKey, secretKey, null);
    }

    @Override
    public String toString() {
        // Keep the secret out of logs.
        return "S3Endpoint[url=" + url + ", region=" + region + ", accessKey=" + accessKey
                + (caCertificates == null ? "" : ", caCertificates=" + caCertificates) + "]";
    }
}
