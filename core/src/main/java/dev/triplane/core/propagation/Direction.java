package dev.triplane.core.propagation;

/** The direction of a propagation pass over the frames of a pseudo-video. */
public enum Direction {
    /** Increasing frame index: the "previous" frames of t are t - 1, t - 2, ... */
    FORWARD,
    /** Decreasing frame index (SAM2's {@code reverse=True}): the "previous" frames of t are t + 1, t + 2, ... */
    REVERSE;

    /** +1 forward, -1 reverse: SAM2's {@code tpos_sign_mul}. */
    public int sign() {
        return this == FORWARD ? 1 : -1;
    }
}
