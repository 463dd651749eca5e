package dev.triplane.ingest;

import java.nio.file.Path;

/**
 * The local copies of one drop or upload, each with the name events and errors give it (the inbox key, or
 * {@code upload:<file name>}).
 *
 * @param image         the image ({@code .nii} or {@code .nii.gz})
 * @param imageSource   the image's name
 * @param labels        the reference labels, or null
 * @param labelsSource  their name, or null
 * @param prompts       a user prompt file ({@code docs/prompts.md}), or null
 * @param promptsSource its name, or null
 */
public record Scan(Path image, String imageSource, Path labels, String labelsSource, Path prompts,
        String promptsSource) {

    public Scan {
        if (image == null || imageSource == null || (labels == null) != (labelsSource == null)
                || (prompts == null) != (promptsSource == null)) {
            throw new IllegalArgumentException("a scan needs its image, and a name for every file it has");
        }
    }
}
