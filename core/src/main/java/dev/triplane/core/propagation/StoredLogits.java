package dev.triplane.core.propagation;

import dev.triplane.core.events.Reason;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.volume.Grid;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * {@link AxisLogits} read frame by frame from a stored version 2 object in a local file
 * ({@link LogitVolumeCodec#open}): the heap holds the index only, and each frame is inflated when it is asked
 * for. A frame that turns out corrupt is an {@link InvalidVolumeException} naming the object.
 */
public final class StoredLogits extends AxisLogits {

    private final FileChannel file;
    private final LogitVolumeCodec.ChunkDecoder decoder;
    private long[] offsets;
    private int[] lengths;

    StoredLogits(Grid grid, Axis axis, int[] ids, int[] firsts, int[] lasts, FileChannel file,
            LogitVolumeCodec.ChunkDecoder decoder) {
        super(grid, axis, ids, firsts, lasts);
        this.file = file;
        this.decoder = decoder;
    }

    /** Places the chunks from {@code dataStart} on; returns where the last one ends. */
    long locate(int[] chunkLengths, long dataStart) {
        lengths = chunkLengths;
        offsets = new long[chunkLengths.length];
        long at = dataStart;
        for (int slot = 0; slot < chunkLengths.length; slot++) {
            offsets[slot] = at;
            at += chunkLengths[slot];
        }
        return at;
    }

    @Override
    void readRect(int slot, short[] dst) {
        int[] rect = rect(slot);
        int length = lengths[slot];
        ByteBuffer packed = ByteBuffer.wrap(decoder.packed(length), 0, length);
        try {
            long at = offsets[slot];
            while (packed.hasRemaining()) {
                int n = file.read(packed, at);
                if (n < 0) {
                    throw new InvalidVolumeException(decoder.object(), Reason.TRUNCATED, "ends inside frame entry "
                            + slot);
                }
                at += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + decoder.object() + ": " + e.getMessage(), e);
        }
        decoder.decode(length, rect[2] * rect[3], dst);
    }

    /** Closes the file. */
    @Override
    public void close() {
        decoder.end();
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
