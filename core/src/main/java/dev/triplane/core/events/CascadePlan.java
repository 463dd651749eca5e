package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The second stage of a cascading request ({@link CascadeStage}), as ingest plans it: stored beside the request
 * (not a topic's event) for fusion, which derives the stage's prompts from the first stage's fused result, stores
 * them under the jobs' prompt file key and publishes the jobs. Ingest fixes every parameter of the jobs, so a
 * redelivered first-stage fusion publishes the same jobs.
 *
 * @param version     {@link #CURRENT_VERSION} when written
 * @param userPrompts object key of the user's prompt file (the first stage's prompts)
 * @param derivation  how prompts are derived from the first stage's fused result: the request's budget, selector and
 *                    prompt kinds, as for reference labels
 * @param jobs        the second stage's axis jobs, one per axis of the stage, in axis order, all reading the same
 *                    prompt file
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CascadePlan(int version, String userPrompts, PromptPolicy derivation, List<AxisJob> jobs) {

    public static final int CURRENT_VERSION = 1;

    public CascadePlan {
        String e = "CascadePlan";
        EventChecks.version(e, version);
        EventChecks.text(e, "userPrompts", userPrompts);
        EventChecks.present(e, "derivation", derivation);
        if (derivation.source() != PromptPolicy.Source.LABELS) {
            throw new IllegalArgumentException(e + ": derivation must be a budget, selector and kinds");
        }
        List<AxisJob> checked = EventChecks.list(e, "jobs", jobs);
        if (checked.isEmpty() || checked.stream().anyMatch(j -> j.stage().number() < 2
                || j.prompts().source() != PromptPolicy.Source.FILE
                || !j.prompts().equals(checked.get(0).prompts()))) {
            throw new IllegalArgumentException(e + ": the jobs must be of a later stage and read one prompt file");
        }
        jobs = checked;
    }

    /** The object key of the second stage's prompt file, which the jobs read. */
    public String stagePrompts() {
        return jobs.get(0).prompts().promptFileKey();
    }
}
