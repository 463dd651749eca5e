package dev.triplane.core.evaluation;

/**
 * What one evaluation run covers: a case under one preset spec and set of axes.
 *
 * @param caseId the {@link DatasetCase#id()}
 * @param preset preset spec as given on the command line, e.g. {@code is+sps}
 * @param axes {@code axial}, {@code all}, ...
 */
public record RunKey(String caseId, String preset, String axes) {
    public RunKey {
        for (String part : new String[] {caseId, preset, axes}) {
            if (part == null || part.isBlank()) {
                throw new IllegalArgumentException("run key parts must be non-blank: " + caseId + ", " + preset
                        + ", " + axes);
            }
        }
    }
}
