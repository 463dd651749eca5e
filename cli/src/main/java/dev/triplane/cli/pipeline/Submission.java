package dev.triplane.cli.pipeline;

import java.nio.file.Path;

/**
 * One case for {@code POST /volumes}: files and the optional request parameters (null leaves ingest's default).
 *
 * @param image      the CT volume (.nii or .nii.gz)
 * @param labels     its reference labels, or null
 * @param prompts    its prompt file ({@code docs/prompts.md}), or null
 * @param structures names, ids or groups to segment, or null
 * @param policy     memory policy ({@code MemoryPolicy.parse} syntax), or null
 * @param model      model folder the workers run, or null
 * @param datasetTag tag for the metrics aggregate, or null
 * @param axes       axes to propagate along, comma-separated, or null
 * @param budget     prompted frames per structure and axis (prompts from labels), or null
 * @param selector   how the prompted frames are chosen ({@code SliceSelector} name), or null
 * @param promptKinds prompt kinds per prompted frame, comma-separated ({@code box,point,mask}), or null
 */
public record Submission(Path image, Path labels, Path prompts, String structures, String policy, String model,
                         String datasetTag, String axes, Integer budget, String selector,
                         String promptKinds) {

    /** An image with its labels and ingest's defaults for everything else. */
    public static Submission of(Path image, Path labels) {
        return new Submission(image, labels, null, null, null, null, null, null, null, null, null);
    }
}
