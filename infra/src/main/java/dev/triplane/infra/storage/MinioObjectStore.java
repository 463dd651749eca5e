package dev.triplane.infra.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.ServerException;
import io.minio.http.HttpUtils;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * {@link ObjectStore} on the MinIO Java client; works with MinIO, s3proxy and other S3-compatible servers.
 * Thread-safe. {@link #close()} must be called: the client's HTTP threads otherwise keep a JVM alive.
 */
public final class MinioObjectStore implements ObjectStore {

    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    /** Part size for uploads of unknown length (S3 requires at least 5 MiB per part). */
    private static final long PART_SIZE = 16L << 20;
    private static final Set<String> MISSING = Set.of("NoSuchKey", "NoSuchObject");
    private static final Set<String> TRANSIENT = Set.of(
            "SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "OperationAborted");

    /** MinIO's own default for connect, write and read timeouts. */
    private static final long CLIENT_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(5);

    private final MinioClient client;
    private final String bucket;

    /** A store on {@code bucket} of the server at {@code endpoint}. */
    public MinioObjectStore(S3Endpoint endpoint, String bucket) {
        MinioClient.Builder builder = MinioClient.builder()
                .endpoint(endpoint.url())
                .region(endpoint.region())
                .credentials(endpoint.accessKey(), endpoint.secretKey());
        if (endpoint.caCertificates() != null) {
            builder.httpClient(privateCaClient(endpoint.caCertificates()), true);
        }
        this.client = builder.build();
        this.bucket = bucket;
    }

    /** MinIO's default HTTP client trusting only the CA certificates in {@code pemFile}. */
    private static OkHttpClient privateCaClient(String pemFile) {
        try {
            return HttpUtils.enableExternalCertificates(
                    HttpUtils.newDefaultHttpClient(CLIENT_TIMEOUT_MS, CLIENT_TIMEOUT_MS, CLIENT_TIMEOUT_MS), pemFile);
        } catch (IOException | GeneralSecurityException e) {
            throw new ObjectStoreException("cannot read the S3 CA certificates " + pemFile + ": " + e, e, false);
        }
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void ensureBucket() {
        call("create bucket", "", () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    // Another process created it between the two calls.
                    if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())) {
                        throw e;
                    }
                }
            }
            return null;
        });
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        put(key, new ByteArrayInputStream(bytes), bytes.length, contentType);
    }

    @Override
    public void put(String key, Path file, String contentType) {
        call("upload " + file + " to", key, () -> client.uploadObject(UploadObjectArgs.builder()
                .bucket(bucket).object(key).filename(file.toString()).contentType(orDefault(contentType)).build()));
    }

    @Override
    public void put(String key, InputStream in, long size, String contentType) {
        long partSize = size < 0 ? PART_SIZE : -1;
        call("put", key, () -> client.putObject(PutObjectArgs.builder()
                .bucket(bucket).object(key).stream(in, size, partSize).contentType(orDefault(contentType)).build()));
    }

    @Override
    public InputStream get(String key) {
        return call("get", key, () -> client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build()));
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        return call("stat", key, () -> {
            try {
                StatObjectResponse stat = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
                return Optional.of(new ObjectInfo(key, stat.size(), instant(stat.lastModified()), unquote(stat.etag())));
            } catch (ErrorResponseException e) {
                if (MISSING.contains(e.errorResponse().code())) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return call("list", prefix, () -> {
            List<ObjectInfo> infos = new ArrayList<>();
            for (Result<Item> result : client.listObjects(
                    ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
                Item item = result.get();
                if (!item.isDir()) {
                    infos.add(new ObjectInfo(item.objectName(), item.size(), instant(item.lastModified()),
                            unquote(item.etag())));
                }
            }
            return infos;
        });
    }

    @Override
    public void delete(String key) {
        call("delete", key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            return null;
        });
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (Exception e) {
            throw new ObjectStoreException("closing the S3 client failed", e, false);
        }
    }

    /** A MinIO client call; the client declares a long list of checked exceptions. */
    @FunctionalInterface
    private interface MinioCall<T> {
        T run() throws Exception;
    }

    private <T> T call(String what, String key, MinioCall<T> call) {
        try {
            return call.run();
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if (MISSING.contains(code)) {
                throw new NoSuchObjectException(bucket, key, e);
            }
            int status = e.response() == null ? 0 : e.response().code();
            boolean retryable = TRANSIENT.contains(code) || status >= 500 || status == 429;
            throw new ObjectStoreException(what + " " + bucket + "/" + key + " failed: " + code, e, retryable);
        } catch (ServerException | IOException e) {
            throw new ObjectStoreException(what + " " + bucket + "/" + key + " failed: " + e.getMessage(), e, true);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new ObjectStoreException(what + " " + bucket + "/" + key + " failed: " + e, e, false);
        }
    }

    private static String orDefault(String contentType) {
        return contentType == null ? DEFAULT_CONTENT_TYPE : contentType;
    }

    private static Instant instant(ZonedDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static String unquote(String etag) {
        return etag != null && etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }
}
