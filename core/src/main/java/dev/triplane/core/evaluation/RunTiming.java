package dev.triplane.core.evaluation;

/**
 * Time spent on one run (case x preset x axes).
 *
 * @param key the run
 * @param totalSeconds wall time of the whole run, in seconds
 * @param memoryAttentionSeconds time inside memory attention, in seconds; NaN when the engine does not report it
 * @param imageEncoderSeconds time inside the image encoder, in seconds; NaN when the engine does not report it
 */
public record RunTiming(RunKey key, double totalSeconds, double memoryAttentionSeconds, double imageEncoderSeconds) {

    /** A run whose image-encoder time is not reported. */
    public RunTiming(RunKey key, double totalSeconds, double memoryAttentionSeconds) {
        this(key, totalSeconds, memoryAttentionSeconds, Double.NaN);
    }
}
