package dev.triplane.core;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** An enum constant with the lower-case name that configuration, command lines and events use for it. */
public interface NamedOption {

    /** The name, e.g. {@code "mean-logit"}. */
    String id();

    /**
     * The constant of {@code type} named {@code text}, ignoring case and surrounding blanks.
     *
     * @param what what the option is, for the error message (e.g. "merge rule")
     * @throws IllegalArgumentException naming the text and every accepted name
     */
    static <E extends Enum<E> & NamedOption> E parse(Class<E> type, String text, String what) {
        String key = text.strip().toLowerCase(Locale.ROOT);
        for (E option : type.getEnumConstants()) {
            if (option.id().equals(key)) {
                return option;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + text + "', expected "
                + Arrays.stream(type.getEnumConstants()).map(NamedOption::id).collect(Collectors.joining(", ")));
    }
}
