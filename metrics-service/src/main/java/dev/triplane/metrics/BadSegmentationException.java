package dev.triplane.metrics;

/** A segmentation that can never be measured (unreadable NIfTI, grids that differ): not retried, sent to the DLT. */
class BadSegmentationException extends RuntimeException {

    BadSegmentationException(String message, Throwable cause) {
        super(message, cause);
    }
}
