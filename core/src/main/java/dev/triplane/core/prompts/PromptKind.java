package dev.triplane.core.prompts;

import java.util.Locale;

/** The prompt types derived from a reference label on a prompted frame (METHOD.md §1). */
public enum PromptKind {
    /** Tight bounding box of the structure in the frame. */
    BOX,
    /** The interior point farthest from the structure's border (plus optional negative points). */
    POINT,
    /** The label slice itself. */
    MASK;

    public static PromptKind parse(String name) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown prompt kind '" + name + "', expected box, point or mask", e);
        }
    }
}
