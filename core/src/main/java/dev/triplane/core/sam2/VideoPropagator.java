package dev.triplane.core.sam2;

import dev.triplane.core.propagation.Direction;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.MemoryPolicy;
import dev.triplane.core.propagation.MemorySelection;
import dev.triplane.core.propagation.MergeRule;
import dev.triplane.core.propagation.RefinementFrames;
import dev.triplane.core.volume.ParallelRanges;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * SAM2 video propagation of many structures over one axis' frames (SAM2VideoPredictor: add prompts,
 * preflight, {@code propagate_in_video} forward from the earliest prompted frame, then reverse from the latest;
 * a frame visited by both passes keeps the reverse pass's output under the official {@link MergeRule}), the memory
 * rules in Java. With {@link MemoryPolicy#refinementPasses()} > 0 the propagation runs again, each time with the
 * most confident tracked frames of the run before as extra mask prompts ({@link RefinementFrames}).
 *
 * <p>Per frame step the image encoder runs once and its features serve every structure; only that frame's
 * features are held (with an encoder batch above 1, also the frames of the pass encoded ahead with it). Frames
 * encoded = prompted frames + frames of each pass where some structure is tracked (not prompted there). Memory
 * held per structure: its conditioning frames plus the non-conditioning entries the rules can still read
 * ({@link MemoryBank#retain}), bounded by the window, not the video length.
 *
 * <p>Steps follow sam2_base.py / sam2_video_predictor.py:
 * <ul>
 *   <li>prompted frame, points/box: raw feature + {@code no_mem_embed} (no memory attention), heads with the
 *       box corners (labels 2, 3) then clicks scaled to model pixels, multimask iff the point count is within
 *       [multimask_min_pt_num, multimask_max_pt_num];
 *   <li>prompted frame, mask: resized to S x S (antialiased bilinear, then >= 0.5); output logits
 *       {@code mask * 20 - 10} and their antialiased downsample; heads on the raw feature with no points only for
 *       the pointer; score +10/-10 by presence;
 *   <li>its memory (the preflight, done right away on the same features): low-res logits upsampled, binarized
 *       {@code > 0} (is_mask_from_pts is always true there), {@code * 20 - 10} once, on the RAW feature;
 *   <li>tracked frame: {@link MemorySelection} + {@link MemoryTokens} into memory attention, heads without
 *       prompts (multimask_output_for_tracking), {@link MaskSelection}; its memory from the sigmoid of the
 *       upsampled logits, {@code * 20 - 10} once, on the RAW feature; stored as bfloat16.
 * </ul>
 * Under a prompted-only policy ({@link MemoryPolicy#promptedOnly()}, NP) nothing is tracked: a frame not
 * prompted for a structure is not segmented (its logits and object score stay {@value #ABSENT}, SAM2's
 * {@code NO_OBJ_SCORE}, the value of an absent object): no image-encoder run, no sink or listener call. Neither
 * is a frame outside the structure's own frames.
 * Not thread-safe (the model's predictors are not).
 */
public final class VideoPropagator {

    /** Logit and object score of a frame a prompted-only policy does not segment. */
    public static final float ABSENT = LogitVolume.ABSENT;

    /** The official bound on earlier logits fed back to the decoder ("rare numerical issues"). */
    static final float PREVIOUS_LOGIT_CLAMP = 32f;

    /** Receives every (pass, frame, structure) output in the official yield order. */
    @FunctionalInterface
    public interface FrameListener {
        /**
         * @param reverse the pass
         * @param frame frame index
         * @param structure index into the structure list
         * @param output the frame's output
         * @param conditioning whether the frame is prompted for this structure
         */
        void onFrame(boolean reverse, int frame, int structure, FrameOutput output, boolean conditioning);
    }

    /**
     * @param id the structure's id
     * @param logits video-resolution logits [frames, height, width], frame t at {@code t * height * width}
     * @param objectScores object score logit per frame [frames]
     */
    public record StructureResult(int id, float[] logits, float[] objectScores) {
    }

    /**
     * Receives the video-resolution logits of every frame a structure is segmented on, as they are produced, so
     * callers keep them in the form they need (a full-float volume of many structures would not fit in memory).
     * A frame visited by both passes is reported once by each pass and merged by the policy's {@link MergeRule}:
     * the reverse output goes to {@link #accept} (official: it replaces the forward one; nearest-prompt: only when
     * its prompt is at least as near), or to {@link #acceptMax} (max-logit). A frame never reported holds no
     * object ({@value #ABSENT}). Under refinement passes every run reports its frames again: a run's first
     * report of a frame goes to {@link #accept} and replaces what earlier runs left.
     */
    public interface LogitSink {
        /**
         * @param structure index into the structure list
         * @param logits [height * width], row-major; a buffer reused after the call returns
         */
        void accept(int structure, int frame, float[] logits, float objectScore);

        /**
         * Under {@link MergeRule#MAX_LOGIT}, the reverse pass's output of a frame the forward pass already reported:
         * keep the per-pixel max of the two (and the larger object score). Sinks used with that rule implement it.
         */
        default void acceptMax(int structure, int frame, float[] logits, float objectScore) {
            throw new UnsupportedOperationException(getClass().getName() + " cannot merge passes by "
                    + MergeRule.MAX_LOGIT.id());
        }

        /** After each frame step of either pass: steps done so far and the steps both passes take. */
        default void progress(int stepsDone, int stepsTotal) {
        }
    }

    private final Sam2Model model;
    private final Sam2Config config;
    private final Sam2Constants constants;
    private final MemoryPolicy policy;
    private final MaskSelection selection;
    private final int fillHoleArea;
    private final int s;
    private final int l;
    private final int f2;
    private final float memScale;
    private final float memBias;
    private final float outScale;
    private final float outBias;
    private final boolean binarizeFromPoints;
    private final boolean multimaskInSam;
    private final int multimaskMin;
    private final int multimaskMax;
    private final boolean multimaskForTracking;

    private float[] maskmemPosTokens;
    private int maxHeldFeatures;
    private int maxHeldPointers;

    /**
     * @param policy the memory policy ({@code MemoryPolicy.parse("baseline")} is the official predictor)
     * @param fillHoles apply the manifest's {@code fill_hole_area} to output logits (off in the fixtures, whose
     *     official run lacked the CUDA extension)
     */
    public VideoPropagator(Sam2Model model, MemoryPolicy policy, boolean fillHoles) {
        this.model = model;
        this.config = model.config();
        this.constants = model.constants();
        this.policy = policy;
        if (config.numMaskmem() != MemorySelection.NUM_MASKMEM) {
            throw new IllegalArgumentException("model " + config.model() + " has num_maskmem "
                    + config.numMaskmem() + ", the memory rules assume " + MemorySelection.NUM_MASKMEM);
        }
        this.selection = new MaskSelection(config, constants);
        if (!config.flag("directly_add_no_mem_embed") || !config.flag("use_mask_input_as_output_without_sam")) {
            throw new IllegalArgumentException("model " + config.model() + " needs directly_add_no_mem_embed and "
                    + "use_mask_input_as_output_without_sam (SAM2.1 video configs)");
        }
        this.fillHoleArea = fillHoles ? config.integerFlag("fill_hole_area") : 0;
        this.s = config.imageSize();
        this.l = config.lowResSize();
        this.f2 = config.featTokens();
        this.memScale = (float) config.number("sigmoid_scale_for_mem_enc");
        this.memBias = (float) config.number("sigmoid_bias_for_mem_enc");
        this.outScale = (float) config.number("mask_as_output_scale");
        this.outBias = (float) config.number("mask_as_output_bias");
        this.binarizeFromPoints = config.flag("binarize_mask_from_pts_for_mem_enc");
        this.multimaskInSam = config.flag("multimask_output_in_sam");
        this.multimaskMin = config.integerFlag("multimask_min_pt_num");
        this.multimaskMax = config.integerFlag("multimask_max_pt_num");
        this.multimaskForTracking = config.flag("multimask_output_for_tracking");
    }

    /**
     * Propagates every structure over {@code video} into full-float results (small videos, tests).
     *
     * @param preprocessor HU window and resize to the model's input (its size must be the model's S)
     * @param listener receives each output as it is produced, or null
     * @return one result per structure, in the given order; frames not segmented hold {@value #ABSENT}
     */
    public List<StructureResult> propagate(FrameSource video, FramePreprocessor preprocessor,
            List<StructurePrompts> structures, FrameListener listener) {
        int plane = video.width() * video.height();
        List<StructureResult> results = new ArrayList<>(structures.size());
        for (StructurePrompts structure : structures) {
            StructureResult r = new StructureResult(structure.id(), new float[video.count() * plane],
                    new float[video.count()]);
            Arrays.fill(r.logits(), ABSENT);
            Arrays.fill(r.objectScores(), ABSENT);
            results.add(r);
        }
        propagate(video, preprocessor, structures, listener, new LogitSink() {
            @Override
            public void accept(int i, int t, float[] logits, float score) {
                System.arraycopy(logits, 0, results.get(i).logits(), t * plane, plane);
                results.get(i).objectScores()[t] = score;
            }

            @Override
            public void acceptMax(int i, int t, float[] logits, float score) {
                float[] held = results.get(i).logits();
                for (int p = 0; p < plane; p++) {
                    held[t * plane + p] = Math.max(held[t * plane + p], logits[p]);
                }
                results.get(i).objectScores()[t] = Math.max(results.get(i).objectScores()[t], score);
            }
        });
        return results;
    }

    /**
     * Propagates every structure over {@code video}, each on its own frames ({@link StructurePrompts#first()}..
     * {@link StructurePrompts#last()}), reporting every segmented frame to {@code sink}.
     *
     * @param preprocessor HU window and resize to the model's input (its size must be the model's S)
     * @param listener receives each output as it is produced, or null
     */
    public void propagate(FrameSource video, FramePreprocessor preprocessor, List<StructurePrompts> structures,
            FrameListener listener, LogitSink sink) {
        if (preprocessor.size() != s) {
            throw new IllegalArgumentException("preprocessor size " + preprocessor.size() + " is not the model's "
                    + s);
        }
        if (structures.isEmpty()) {
            throw new IllegalArgumentException("nothing to propagate: no structure");
        }
        maxHeldFeatures = 0;
        maxHeldPointers = 0;
        int runs = 1 + (policy.promptedOnly() ? 0 : policy.refinementPasses());
        int done = 0;
        List<StructurePrompts> current = structures;
        for (int run = 0; run < runs; run++) {
            RefinementFrames[] refinement = null;
            if (run < runs - 1) {
                refinement = new RefinementFrames[current.size()];
                for (int i = 0; i < refinement.length; i++) {
                    refinement[i] = new RefinementFrames(current.get(i).prompts().stream()
                            .mapToInt(FramePrompt::frame).sorted().toArray());
                }
            }
            done = run(video, preprocessor, current, listener, sink, refinement, done, runs - run);
            if (refinement != null) {
                current = refined(current, refinement);
                if (current == null) {
                    // the later runs the progress total counted on will not happen
                    sink.progress(done, done);
                    break;
                }
            }
        }
    }

    /**
     * The prompts of the next refinement run: each structure's prompts plus a mask prompt on every frame its
     * {@link RefinementFrames} chose; null when no structure gained a frame (the next run would repeat this one).
     */
    private static List<StructurePrompts> refined(List<StructurePrompts> structures, RefinementFrames[] refinement) {
        List<StructurePrompts> out = new ArrayList<>(structures.size());
        boolean gained = false;
        for (int i = 0; i < structures.size(); i++) {
            StructurePrompts structure = structures.get(i);
            List<FramePrompt> prompts = new ArrayList<>(structure.prompts());
            for (int t : refinement[i].frames()) {
                prompts.add(FramePrompt.mask(t, refinement[i].mask(t)));
                gained = true;
            }
            out.add(new StructurePrompts(structure.id(), prompts, structure.first(), structure.last()));
        }
        return gained ? out : null;
    }

    /** One forward + reverse propagation; returns the frame steps done so far over all runs. */
    private int run(FrameSource video, FramePreprocessor preprocessor, List<StructurePrompts> structures,
            FrameListener listener, LogitSink sink, RefinementFrames[] refinement, int stepsBefore, int runsLeft) {
        int n = video.count();
        int w = video.width();
        int h = video.height();
        int ns = structures.size();
        TreeMap<Integer, List<int[]>> promptedFrames = new TreeMap<>();
        int[] firsts = new int[ns];
        int[] lasts = new int[ns];
        int[][] condFrames = new int[ns][];
        for (int i = 0; i < ns; i++) {
            StructurePrompts structure = structures.get(i);
            firsts[i] = structure.first();
            lasts[i] = Math.min(structure.last(), n - 1);
            List<FramePrompt> prompts = structure.prompts();
            for (int p = 0; p < prompts.size(); p++) {
                FramePrompt prompt = prompts.get(p);
                if (prompt.frame() >= n || (prompt.isMask() && prompt.mask().length != w * h)) {
                    throw new IllegalArgumentException("structure " + structure.id() + ": prompt on frame "
                            + prompt.frame() + " does not fit a video of " + n + " frames of " + w + "x" + h);
                }
                promptedFrames.computeIfAbsent(prompt.frame(), k -> new ArrayList<>()).add(new int[] {i, p});
            }
            condFrames[i] = prompts.stream().mapToInt(FramePrompt::frame).sorted().toArray();
        }
        Frame frame = new Frame(video, preprocessor);
        MemoryBank[] banks = new MemoryBank[ns];
        for (int i = 0; i < ns; i++) {
            banks[i] = new MemoryBank();
        }
        for (Map.Entry<Integer, List<int[]>> e : promptedFrames.entrySet()) {
            int t = e.getKey();
            ImageEncoder.Features features = frame.encode(t, IntStream.empty());
            for (int[] sp : e.getValue()) {
                FramePrompt prompt = structures.get(sp[0]).prompts().get(sp[1]);
                FrameOutput out = prompt.isMask() ? maskPrompt(prompt.mask(), w, h, features)
                        : pointPrompt(prompt, w, h, features);
                banks[sp[0]].putCond(t, out, encodeMemory(features, out, binarizeFromPoints));
            }
        }
        int first = promptedFrames.firstKey();
        int last = promptedFrames.lastKey();
        int forwardEnd = Arrays.stream(lasts).max().orElseThrow();
        int reverseEnd = Arrays.stream(firsts).min().orElseThrow();
        int steps = (forwardEnd - first + 1) + (last - reverseEnd + 1);
        // later runs are not planned yet: count each as long as this one
        int total = stepsBefore + steps * runsLeft;
        int done = stepsBefore;
        Tracked tracked = new Tracked(firsts, lasts, condFrames, first, banks, frame, sink, listener, refinement);
        for (int t = first; t <= forwardEnd; t++) {
            step(t, false, n, last, tracked);
            sink.progress(++done, total);
        }
        for (int t = last; t >= reverseEnd; t--) {
            step(t, true, n, null, tracked);
            sink.progress(++done, total);
        }
        return done;
    }

    /**
     * What every frame step reads: each structure's frames and conditioning frames, the first frame of the
     * forward pass, the memory banks, where outputs go, and the refinement candidates (null on a final run).
     */
    private record Tracked(int[] firsts, int[] lasts, int[][] condFrames, int forwardStart, MemoryBank[] banks,
            Frame frame, LogitSink sink, FrameListener listener, RefinementFrames[] refinement) {
    }

    /** Most non-conditioning memory features one structure held at once in the last propagation. */
    public int maxHeldFeatures() {
        return maxHeldFeatures;
    }

    /** Most non-conditioning pointers one structure held at once in the last propagation. */
    public int maxHeldPointers() {
        return maxHeldPointers;
    }

    private void step(int t, boolean reverse, int n, Integer nextStart, Tracked tracked) {
        ImageEncoder.Features features = null;
        float[] curr = null;
        float[] currPos = null;
        Frame frame = tracked.frame();
        for (int i = 0; i < tracked.banks().length; i++) {
            MemoryBank bank = tracked.banks()[i];
            boolean cond = bank.isCond(t);
            FrameOutput out;
            if (cond) {
                out = bank.condFrameOutputs().get(t);
            } else if (policy.promptedOnly() || t < tracked.firsts()[i] || t > tracked.lasts()[i]) {
                continue;
            } else {
                if (features == null) {
                    features = frame.encode(t, encodedAfter(t, reverse ? -1 : 1, n, tracked));
                    curr = tokens(features.visionFeatures(), config.hiddenDim());
                    currPos = tokens(features.visionPosEnc(), config.hiddenDim());
                }
                out = track(bank, t, reverse, n, features, curr, currPos);
            }
            Resize.bilinear(out.lowResLogits(), l, l, frame.videoRes, frame.h, frame.w);
            report(tracked, i, t, reverse, cond, out.objectScore());
            if (tracked.listener() != null) {
                tracked.listener().onFrame(reverse, t, i, out, cond);
            }
            bank.retain(t, reverse ? -1 : 1, policy.numRecentFrames(), Math.min(n, policy.maxObjPtrs()) - 1,
                    nextStart);
            maxHeldFeatures = Math.max(maxHeldFeatures, bank.heldFeatures());
            maxHeldPointers = Math.max(maxHeldPointers, bank.heldPointers());
        }
    }

    /** The frames after {@code t} in this pass that some structure is tracked on (where {@link #step} encodes). */
    private IntStream encodedAfter(int t, int direction, int n, Tracked tracked) {
        return IntStream.iterate(t + direction, u -> u >= 0 && u < n, u -> u + direction).filter(u -> {
            for (int i = 0; i < tracked.banks().length; i++) {
                if (u >= tracked.firsts()[i] && u <= tracked.lasts()[i] && !tracked.banks()[i].isCond(u)) {
                    return true;
                }
            }
            return false;
        });
    }

    /** Hands one output to the sink under the merge rule, and to the refinement candidates. */
    private void report(Tracked tracked, int i, int t, boolean reverse, boolean cond, float objectScore) {
        float[] logits = tracked.frame().videoRes;
        boolean forwardVisited = t >= tracked.forwardStart() && t >= tracked.firsts()[i] && t <= tracked.lasts()[i];
        MergeRule.Outcome outcome = reverse && !cond && forwardVisited
                ? policy.mergeRule().reverseOutcome(t, tracked.condFrames()[i]) : MergeRule.Outcome.REPLACE;
        switch (outcome) {
            case REPLACE -> tracked.sink().accept(i, t, logits, objectScore);
            case MAX -> tracked.sink().acceptMax(i, t, logits, objectScore);
            case KEEP -> {
            }
        }
        if (tracked.refinement() != null && !cond) {
            tracked.refinement()[i].offer(t, logits, objectScore);
        }
    }

    private FrameOutput track(MemoryBank bank, int t, boolean reverse, int n, ImageEncoder.Features features,
            float[] curr, float[] currPos) {
        int[] condFrames = bank.condFrameOutputs().keySet().stream().mapToInt(Integer::intValue).toArray();
        MemorySelection sel = MemorySelection.select(t, reverse ? Direction.REVERSE : Direction.FORWARD, n,
                condFrames, bank.nonCondFrames(), policy);
        MemoryTokens mem = MemoryTokens.assemble(sel, bank, config, constants, maskmemPosTokens);
        float[] pix = model.memoryAttention().attend(curr, currPos, mem.memory(), mem.memoryPos(),
                mem.numObjPtrTokens());
        SamHeads.Output raw = model.samHeads().run(pix, features, new float[2], new int[] {-1}, null);
        boolean multimask = multimaskInSam && multimaskForTracking && multimaskMin <= 0 && 0 <= multimaskMax;
        FrameOutput out = selection.select(raw, multimask);
        // track_step encodes the memory before the video predictor fills holes in the stored logits
        bank.putNonCond(t, out.objPtr(), encodeMemory(features, out, false));
        fillHoles(out.lowResLogits());
        return out;
    }

    private FrameOutput pointPrompt(FramePrompt prompt, int w, int h, ImageEncoder.Features features) {
        int n = prompt.pointCount();
        float[] coords = new float[2 * n];
        int[] labels = new int[n];
        int k = 0;
        if (prompt.box() != null) {
            float[] b = prompt.box();
            coords[0] = b[0];
            coords[1] = b[1];
            coords[2] = b[2];
            coords[3] = b[3];
            labels[0] = 2;
            labels[1] = 3;
            k = 2;
        }
        for (int p = 0; p < prompt.labels().length; p++, k++) {
            coords[2 * k] = prompt.points()[2 * p];
            coords[2 * k + 1] = prompt.points()[2 * p + 1];
            labels[k] = prompt.labels()[p];
        }
        for (int p = 0; p < n; p++) {
            coords[2 * p] = coords[2 * p] / w * s;
            coords[2 * p + 1] = coords[2 * p + 1] / h * s;
        }
        float[] feat = features.visionFeatures().clone();
        float[] noMem = constants.noMemEmbed();
        for (int c = 0; c < noMem.length; c++) {
            for (int p = c * f2; p < (c + 1) * f2; p++) {
                feat[p] += noMem[c];
            }
        }
        boolean multimask = multimaskInSam && multimaskMin <= n && n <= multimaskMax;
        float[] maskInput = prompt.previousLogits() == null ? null : previousAsMaskInput(prompt.previousLogits(), w, h);
        FrameOutput out = selection.select(model.samHeads().run(feat, features, coords, labels, maskInput), multimask);
        fillHoles(out.lowResLogits());
        return out;
    }

    /**
     * A frame's earlier output as the decoder's mask input (sam2_video_predictor.add_new_points_or_box:
     * {@code prev_sam_mask_logits}, its low-res logits clamped to [-32, 32]): the video-resolution logits back to
     * L x L (antialiased, undoing the upsampling they were stored after), clamped, and laid out so the graph's
     * mask downsampling yields them ({@link Sam2Constants#maskInputFor}).
     */
    private float[] previousAsMaskInput(float[] videoLogits, int w, int h) {
        float[] low = new float[l * l];
        Resize.antialiased(videoLogits, h, w, low, l, l);
        for (int p = 0; p < low.length; p++) {
            low[p] = Math.max(-PREVIOUS_LOGIT_CLAMP, Math.min(PREVIOUS_LOGIT_CLAMP, low[p]));
        }
        return constants.maskInputFor(low, l);
    }

    private FrameOutput maskPrompt(boolean[] mask, int w, int h, ImageEncoder.Features features) {
        float[] video = new float[w * h];
        for (int p = 0; p < video.length; p++) {
            video[p] = mask[p] ? 1f : 0f;
        }
        float[] m = new float[s * s];
        Resize.antialiased(video, h, w, m, s, s);
        boolean present = false;
        float[] high = new float[s * s];
        for (int p = 0; p < m.length; p++) {
            m[p] = m[p] >= 0.5f ? 1f : 0f;
            present |= m[p] > 0;
            high[p] = m[p] * outScale + outBias;
        }
        float[] low = new float[l * l];
        Resize.antialiased(high, s, s, low, l, l);
        SamHeads.Output raw = model.samHeads().run(features.visionFeatures(), features, new float[2],
                new int[] {-1}, m);
        // _use_mask_as_output: token 0's pointer, already no_obj_ptr where the heads see no object, then
        // no_obj_ptr again where the mask is empty
        float[] ptr = raw.objectScore() > 0 && present
                ? Arrays.copyOfRange(raw.objPtrs(), 0, config.hiddenDim())
                : constants.noObjPtr().clone();
        FrameOutput out = new FrameOutput(low, ptr, outScale * (present ? 1f : 0f) + outBias, -1);
        fillHoles(out.lowResLogits());
        return out;
    }

    /** Memory tokens [HW, Cm] (bfloat16-rounded) of a frame from its RAW feature and its output logits. */
    private float[] encodeMemory(ImageEncoder.Features features, FrameOutput out, boolean binarize) {
        float[] mask = maskForMemory(out.lowResLogits(), l, s, binarize, memScale, memBias);
        MemoryEncoder.Output enc = model.memoryEncoder().encode(features.visionFeatures(), mask, out.objectScore());
        if (maskmemPosTokens == null) {
            maskmemPosTokens = tokens(enc.maskmemPosEnc(), config.memDim());
        }
        float[] t = tokens(enc.maskmemFeatures(), config.memDim());
        for (int i = 0; i < t.length; i++) {
            t[i] = bfloat16(t[i]);
        }
        return t;
    }

    /**
     * The memory encoder's mask input (SAM2Base._encode_new_memory): low-res logits [l, l] upsampled to [s, s],
     * binarized ({@code > 0}) or passed through a sigmoid, then {@code * scale + bias} exactly once.
     */
    static float[] maskForMemory(float[] lowRes, int l, int s, boolean binarize, float scale, float bias) {
        float[] high = new float[s * s];
        Resize.bilinear(lowRes, l, l, high, s, s);
        ParallelRanges.forEach(s, (from, to) -> {
            for (int p = from * s; p < to * s; p++) {
                float v = binarize ? (high[p] > 0 ? 1f : 0f) : (float) (1.0 / (1.0 + Math.exp(-high[p])));
                high[p] = v * scale + bias;
            }
        });
        return high;
    }

    private void fillHoles(float[] low) {
        if (fillHoleArea > 0) {
            HoleFilling.fill(low, l, fillHoleArea);
        }
    }

    /** [1, C, F, F] -> tokens [HW, C] (flatten(2).permute(2, 0, 1)). */
    static float[] tokens(float[] nchw, int channels) {
        int hw = nchw.length / channels;
        float[] out = new float[nchw.length];
        for (int c = 0; c < channels; c++) {
            int in = c * hw;
            for (int p = 0; p < hw; p++) {
                out[p * channels + c] = nchw[in + p];
            }
        }
        return out;
    }

    /** float32 -> nearest bfloat16 (ties to even) -> float32. */
    static float bfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        bits = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
        return Float.intBitsToFloat(bits);
    }

    /**
     * The frame being processed: HU buffer reused frame after frame, the image encoder's lookahead (frames
     * encoded {@link ImageEncoder#batch()} at a time) and the video-resolution output buffer.
     */
    private final class Frame {
        final FrameSource video;
        final FramePreprocessor preprocessor;
        final int w;
        final int h;
        final float[] hu;
        final ImageEncoder.Lookahead encoder;
        final float[] videoRes;

        Frame(FrameSource video, FramePreprocessor preprocessor) {
            this.video = video;
            this.preprocessor = preprocessor;
            this.w = video.width();
            this.h = video.height();
            this.hu = new float[w * h];
            this.encoder = model.imageEncoder().lookahead((t, into, offset) -> {
                video.copyFrame(t, hu);
                preprocessor.preprocess(hu, w, h, into, offset);
            });
            this.videoRes = new float[w * h];
        }

        /** @param next the frames the caller will encode after {@code t}, in order */
        ImageEncoder.Features encode(int t, IntStream next) {
            return encoder.features(t, next);
        }
    }
}
