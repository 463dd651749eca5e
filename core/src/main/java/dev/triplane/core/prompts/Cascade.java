package dev.triplane.core.prompts;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.volume.LabelVolume;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One prompted axis is enough: a request whose prompts leave a structure without prompts on some requested axes runs
 * in two stages. Stage 1 runs each prompted axis on the structures prompted there; its fused result stands in for
 * reference labels, and the prompts of every structure on the axes it lacks are derived from it exactly as from
 * labels ({@link LabelPrompts}: the request's budget, selector and prompt kinds). Stage 2 runs every axis on which a
 * structure lacked prompts, on all structures (one logit volume per axis for the final fusion: a structure the user
 * prompted on such an axis runs again on the user's prompts), and the final fusion takes the other axes from
 * stage 1.
 */
public final class Cascade {

    private Cascade() {
    }

    /**
     * How a request's axes split into stages.
     *
     * @param firstStage  per axis of stage 1, in axis order, the structures prompted on it, ascending
     * @param secondStage the axes of stage 2, in axis order; empty when every structure is prompted on every axis
     *                    (one stage)
     */
    public record Split(Map<Axis, List<Integer>> firstStage, List<Axis> secondStage) {

        public Split {
            firstStage = new EnumMap<>(firstStage);
            secondStage = List.copyOf(secondStage);
        }

        @Override
        public Map<Axis, List<Integer>> firstStage() {
            return new EnumMap<>(firstStage);
        }

        /** Whether the request needs a second stage. */
        public boolean cascades() {
            return !secondStage.isEmpty();
        }

        /** The axes of stage 1, in axis order. */
        public List<Axis> firstAxes() {
            return List.copyOf(firstStage.keySet());
        }
    }

    /**
     * @param prompts    a checked prompt set
     * @param structures the request's structures, each prompted on at least one of {@code axes}
     *                   ({@link PromptCoverage})
     * @param axes       the request's axes
     * @throws IllegalArgumentException for a structure prompted on none of {@code axes}
     */
    public static Split split(List<StructurePrompts> prompts, int[] structures, List<Axis> axes) {
        Map<Axis, List<Integer>> first = new EnumMap<>(Axis.class);
        Set<Axis> second = EnumSet.noneOf(Axis.class);
        for (int id : structures) {
            boolean prompted = false;
            for (Axis axis : axes) {
                if (find(prompts, id, axis).isPresent()) {
                    first.computeIfAbsent(axis, a -> new ArrayList<>()).add(id);
                    prompted = true;
                } else {
                    second.add(axis);
                }
            }
            if (!prompted) {
                throw new IllegalArgumentException("structure " + id + " has no prompt on any of " + axes);
            }
        }
        first.replaceAll((axis, ids) -> ids.stream().sorted().toList());
        return new Split(first, List.copyOf(second));
    }

    /**
     * The second stage's prompts.
     *
     * @param prompts the prompts of every structure on every axis of the second stage: the user's where given,
     *                derived from the first stage otherwise; and the user's on the other axes, so it is the
     *                request's whole prompt set
     * @param empty   structures the first stage fused to no voxel, ascending; nothing could be derived for them
     */
    public record Derived(List<StructurePrompts> prompts, List<Integer> empty) {

        public Derived {
            prompts = List.copyOf(prompts);
            empty = List.copyOf(empty);
        }
    }

    /**
     * @param user       the user's prompts (the first stage's)
     * @param firstStage the first stage's fused labels on the RAS+ grid
     * @param structures the request's structures
     * @param axes       the second stage's axes
     * @param options    the request's budget, selector and prompt kinds
     */
    public static Derived secondStage(List<StructurePrompts> user, LabelVolume firstStage, int[] structures,
            List<Axis> axes, DerivationOptions options) {
        List<StructurePrompts> out = new ArrayList<>(user);
        List<Integer> empty = new ArrayList<>();
        for (int id : Arrays.stream(structures).sorted().toArray()) {
            for (Axis axis : axes) {
                if (find(user, id, axis).isPresent()) {
                    continue;
                }
                Optional<StructurePrompts> derived = LabelPrompts.derive(firstStage, id, axis, options);
                if (derived.isEmpty()) {
                    empty.add(id);
                    break;
                }
                out.add(derived.get());
            }
        }
        return new Derived(out, empty);
    }

    private static Optional<StructurePrompts> find(List<StructurePrompts> prompts, int id, Axis axis) {
        return prompts.stream().filter(p -> p.structureId() == id && p.axis() == axis).findFirst();
    }
}
