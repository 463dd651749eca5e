package dev.triplane.core.fusion;

import dev.triplane.core.geometry.Axis;
import java.util.Locale;

/**
 * How the per-axis logits of one structure become one mask (docs/method.md §1), and the score that decides
 * between structures claiming the same voxel. Logits are clamped to [-32, 32] first. With n axes present
 * (1..3):
 * <ul>
 *   <li>{@code mean-logit} (default): score = mean logit, inside when score > 0;</li>
 *   <li>{@code mean-prob}: score = mean sigmoid, inside when score > 0.5;</li>
 *   <li>{@code vote}: inside when more than half of the axes have logit > 0 (2 of 3; both of 2; the one of
 *   1), score = mean logit;</li>
 *   <li>{@code max}: score = largest logit, inside when score > 0;</li>
 *   <li>single axis ({@code axial}, {@code coronal} or {@code sagittal}): that axis's logit alone, inside when
 *   > 0; the axis must be present.</li>
 * </ul>
 *
 * @param kind the rule
 * @param axis the axis used by {@link Kind#SINGLE_AXIS}, null otherwise
 */
public record FusionRule(Kind kind, Axis axis) {

    /** The fusion rules. */
    public enum Kind {
        MEAN_LOGIT,
        MEAN_PROB,
        VOTE,
        MAX,
        SINGLE_AXIS
    }

    public static final FusionRule MEAN_LOGIT = new FusionRule(Kind.MEAN_LOGIT, null);
    public static final FusionRule MEAN_PROB = new FusionRule(Kind.MEAN_PROB, null);
    public static final FusionRule VOTE = new FusionRule(Kind.VOTE, null);
    public static final FusionRule MAX = new FusionRule(Kind.MAX, null);

    public FusionRule {
        if (kind == null || (kind == Kind.SINGLE_AXIS) != (axis != null)) {
            throw new IllegalArgumentException("a single-axis rule needs its axis, the other rules none: "
                    + kind + " " + axis);
        }
    }

    public static FusionRule singleAxis(Axis axis) {
        return new FusionRule(Kind.SINGLE_AXIS, axis);
    }

    /** {@code mean-logit}, {@code mean-prob}, {@code vote}, {@code max} or an axis name (single axis). */
    public static FusionRule parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (FusionRule rule : new FusionRule[] {MEAN_LOGIT, MEAN_PROB, VOTE, MAX}) {
            if (rule.id().equals(n)) {
                return rule;
            }
        }
        for (Axis a : Axis.values()) {
            if (a.id().equals(n)) {
                return singleAxis(a);
            }
        }
        throw new IllegalArgumentException("unknown fusion rule '" + name
                + "', expected mean-logit, mean-prob, vote, max, axial, coronal or sagittal");
    }

    /** The name {@link #parse} reads. */
    public String id() {
        return kind == Kind.SINGLE_AXIS ? axis.id() : kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
