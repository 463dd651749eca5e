package dev.triplane.core.evaluation;

import java.nio.file.Path;

/**
 * One case of a {@link Dataset}: a CT volume and its reference labels.
 *
 * @param id case name, unique in its dataset (used in result files and report paths)
 * @param image the CT volume ({@code .nii} or {@code .nii.gz})
 * @param labels the reference: a label-map file, or for the TotalSegmentator layout the {@code segmentations}
 *     folder of one binary mask per structure
 */
public record DatasetCase(String id, Path image, Path labels) {
    public DatasetCase {
        if (id == null || id.isBlank() || !id.equals(id.strip()) || id.contains("/") || id.contains("\\")) {
            throw new IllegalArgumentException("case id '" + id + "' must be a non-blank name without slashes");
        }
    }
}
