package dev.triplane.infra.storage;

import java.time.Instant;

/**
 * Metadata of a stored object.
 *
 * @param key          object key
 * @param size         size in bytes
 * @param lastModified time of the last write, or null where the server reports none
 * @param etag         entity tag without quotes (content MD5 for single-part uploads on most servers)
 */
public record ObjectInfo(String key, long size, Instant lastModified, String etag) {
}
