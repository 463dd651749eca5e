package dev.triplane.core.prompts;

import dev.triplane.core.NamedOption;
import java.util.Locale;

/** The prompt types derived from a reference label on a prompted frame (docs/method.md §1). */
public enum PromptKind implements NamedOption {
    /** Tight bounding box of the structure in the frame. */
    BOX,
    /** The interior point farthest from the structure's border (plus optional negative points). */
    POINT,
    /** The label slice itself. */
    MASK;

    public static PromptKind parse(String name) {
        return NamedOption.parse(PromptKind.class, name, "prompt kind");
    }

    @Override
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
