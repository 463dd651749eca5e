package dev.triplane.core.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.triplane.core.prompts.DerivationOptions;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import java.util.EnumSet;
import java.util.List;

/**
 * Where an axis job's prompts come from: derived from the reference labels (evaluation mode, docs/method.md §1)
 * with a budget, slice selector and prompt kinds, or a user prompt file ({@code docs/prompts.md}) in the store.
 *
 * @param source        {@link Source#LABELS} or {@link Source#FILE}
 * @param budget        prompted frames per structure and axis (B >= 2); 0 for a prompt file
 * @param selector      how prompted frames are chosen; null for a prompt file
 * @param kinds         prompt types per prompted frame, at least one; empty for a prompt file
 * @param promptFileKey object key of the user prompt file; null when derived from labels
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PromptPolicy(Source source, int budget, SliceSelector selector, List<PromptKind> kinds,
        String promptFileKey) {

    /** The origin of the prompts. */
    public enum Source {
        /** Derived from the reference labels of the volume. */
        LABELS,
        /** Read from a user prompt file. */
        FILE
    }

    public PromptPolicy {
        String e = "PromptPolicy";
        EventChecks.present(e, "source", source);
        kinds = EventChecks.list(e, "kinds", kinds);
        if (source == Source.LABELS) {
            if (budget < 2 || selector == null || kinds.isEmpty() || promptFileKey != null) {
                throw new IllegalArgumentException(e + ": prompts derived from labels need a budget >= 2, a selector"
                        + " and at least one kind, and no prompt file: " + budget + ", " + selector + ", " + kinds);
            }
        } else if (budget != 0 || selector != null || !kinds.isEmpty()) {
            throw new IllegalArgumentException(e + ": a prompt file takes no budget, selector or kinds");
        } else {
            EventChecks.text(e, "promptFileKey", promptFileKey);
        }
    }

    /** Prompts derived from the reference labels. */
    public static PromptPolicy fromLabels(int budget, SliceSelector selector, List<PromptKind> kinds) {
        return new PromptPolicy(Source.LABELS, budget, selector, kinds, null);
    }

    /** Prompts read from a user prompt file stored under {@code key}. */
    public static PromptPolicy fromFile(String key) {
        return new PromptPolicy(Source.FILE, 0, null, List.of(), key);
    }

    /**
     * {@link DerivationOptions#defaults()} with this policy's kinds, budget and selector.
     *
     * @throws IllegalStateException for a prompt-file policy
     */
    public DerivationOptions derivationOptions() {
        if (source != Source.LABELS) {
            throw new IllegalStateException("prompts come from the file " + promptFileKey + ", not from labels");
        }
        return DerivationOptions.defaults().withKinds(EnumSet.copyOf(kinds)).withBudget(budget, selector);
    }
}
