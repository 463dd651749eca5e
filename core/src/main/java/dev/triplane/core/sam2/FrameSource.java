package dev.triplane.core.sam2;

import dev.triplane.core.geometry.AxisFrames;

/** The HU frames of one video (one axis of a volume), read on demand. */
public interface FrameSource {

    int width();

    int height();

    int count();

    /** Copies frame {@code t} into {@code out} [height * width], row-major, width fastest. */
    void copyFrame(int t, float[] out);

    /** The frames of {@code volume} along {@code frames}' axis. */
    static FrameSource of(AxisFrames frames, float[] volume) {
        return new FrameSource() {
            @Override
            public int width() {
                return frames.frameWidth();
            }

            @Override
            public int height() {
                return frames.frameHeight();
            }

            @Override
            public int count() {
                return frames.frameCount();
            }

            @Override
            public void copyFrame(int t, float[] out) {
                frames.copyFrame(volume, t, out);
            }
        };
    }
}
