package dev.triplane.core.prompts;

/**
 * A user prompt file that cannot be used, naming the file and the JSON field at fault, e.g.
 * {@code prompts.json: prompts[2].points[0].x: 140 outside 0..121 (axial frame width 122)}.
 */
public final class PromptFileException extends IllegalArgumentException {

    private final String source;
    private final String field;

    public PromptFileException(String source, String field, String reason) {
        super(source + ": " + (field.isEmpty() ? "" : field + ": ") + reason);
        this.source = source;
        this.field = field;
    }

    /** The file or object key the prompts came from. */
    public String source() {
        return source;
    }

    /** JSON path of the offending field, e.g. {@code prompts[2].box}; empty for the whole document. */
    public String field() {
        return field;
    }
}
