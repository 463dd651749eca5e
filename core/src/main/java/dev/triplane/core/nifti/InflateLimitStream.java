package dev.triplane.core.nifti;

import dev.triplane.core.events.Reason;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the bytes that come out of an inflating stream (gzip NIfTI, deflated DICOM) and fails with
 * {@link Reason#INFLATE_LIMIT} as soon as
 * they pass the limit, so a gzip bomb costs at most the limit in work, never memory or time beyond it.
 * Hand-written because the JDK has no such stream and bounded streams elsewhere (commons-io) stop silently.
 */
public final class InflateLimitStream extends FilterInputStream {

    private final long limit;
    private final String object;
    private long count;

    public InflateLimitStream(InputStream inflated, long limit, String object) {
        super(inflated);
        this.limit = limit;
        this.object = object;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            add(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, (int) Math.min(length, limit - count + 1));
        if (n > 0) {
            add(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = in.skip(Math.min(n, limit - count + 1));
        add(skipped);
        return skipped;
    }

    private void add(long n) {
        count += n;
        if (count > limit) {
            throw new InvalidVolumeException(object, Reason.INFLATE_LIMIT,
                    "compressed data inflates to more than " + limit + " bytes");
        }
    }
}
