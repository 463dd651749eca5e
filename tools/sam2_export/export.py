"""Export the official SAM2 (sam2==1.1.0) video model as the four ONNX graphs of TriPlane's contract.

Subcommands (run from the repository root with tools/.venv/bin/python):
  micro   tiny SAM2.1 from the official modules with fixed random weights -> models/sam2-micro/
  export  a real config (sam2.1_hiera_{t,s,b+,l}.yaml) with --checkpoint PATH or --random-weights -> --out DIR
  fixtures  official SAM2VideoPredictor outputs on CT frames with the micro model -> core/src/test/resources/...
  replay    re-runs the fixtures with the ONNX graphs and the caller-side rules (reference for the Java engine)

Every graph is checked with onnxruntime against the official PyTorch code on random inputs (max-abs printed).
The graph boundaries keep all memory selection, temporal encodings, pointer handling and mask selection out of
the graphs (see SEMANTICS below, also written into manifest.json), so the Java engine owns those rules.
"""

import argparse
import contextlib
import hashlib
import json
import os
import types
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn.functional as F
from fuse_attention import fuse_attention

from sam2.build_sam import build_sam2_video_predictor
from sam2.modeling.sam2_base import NO_OBJ_SCORE
from sam2.modeling.sam.transformer import RoPEAttention

OPSET = 17
REPO_ROOT = Path(__file__).resolve().parents[2]
MICRO_SEED = 20260
MICRO_CONFIG = "configs/sam2.1/sam2.1_hiera_t.yaml"
MICRO_GAIN_TARGETS = {
    "embeddings": ["maskmem_tpos_enc", "no_mem_embed", "no_obj_ptr", "no_obj_embed_spatial"],
    "neck": [f"image_encoder.neck.convs.{i}.conv.weight" for i in range(4)],
    "attn_qk": [f"memory_attention.layers.0.{a}.{p}.weight" for a in ("self_attn", "cross_attn_image")
                for p in ("q_proj", "k_proj")],
    "attn_out": ["memory_attention.layers.0.cross_attn_image.out_proj.weight"],
    "hypernet": [f"sam_mask_decoder.output_hypernetworks_mlps.{i}.layers.2.weight" for i in range(4)],
    "iou_head": ["sam_mask_decoder.iou_prediction_head.layers.2.weight"],
    "obj_score": ["sam_mask_decoder.pred_obj_score_head.layers.2.weight"],
}
MICRO_GAINS = {"embeddings": 50.0, "neck": 10.0, "attn_qk": 4.0, "attn_out": 10.0, "hypernet": 15.0,
               "iou_head": 20.0, "obj_score": -1000.0}
# The random presence head hardly sees the image: scores differ by about 1 between tracked frames and by 40
# between tracked and prompted frames. This bias puts the threshold inside the tracked range, so the fixture
# has prompted frames present and tracked frames of both signs (min |score| is printed by `fixtures`).
MICRO_OBJ_SCORE_BIAS = 73.5

# Only sizes change: every behavioural flag comes from the official SAM2.1 tiny config and from
# build_sam2_video_predictor(apply_postprocessing=True).
MICRO_OVERRIDES = [
    "++model.image_size=256",
    "++model.image_encoder.trunk.embed_dim=8",
    "++model.image_encoder.trunk.num_heads=1",
    "++model.image_encoder.trunk.stages=[1,1,2,1]",
    "++model.image_encoder.trunk.global_att_blocks=[3]",
    "++model.image_encoder.trunk.window_spec=[8,4,8,4]",
    "++model.image_encoder.trunk.window_pos_embed_bkg_spatial_size=[4,4]",
    "++model.image_encoder.neck.d_model=32",
    "++model.image_encoder.neck.backbone_channel_list=[64,32,16,8]",
    "++model.image_encoder.neck.position_encoding.num_pos_feats=32",
    "++model.memory_attention.d_model=32",
    "++model.memory_attention.num_layers=1",
    "++model.memory_attention.layer.d_model=32",
    "++model.memory_attention.layer.dim_feedforward=64",
    "++model.memory_attention.layer.self_attention.embedding_dim=32",
    "++model.memory_attention.layer.self_attention.feat_sizes=[16,16]",
    "++model.memory_attention.layer.cross_attention.embedding_dim=32",
    "++model.memory_attention.layer.cross_attention.feat_sizes=[16,16]",
    "++model.memory_attention.layer.cross_attention.kv_in_dim=8",
    "++model.memory_encoder.out_dim=8",
    "++model.memory_encoder.in_dim=32",
    "++model.memory_encoder.position_encoding.num_pos_feats=8",
    "++model.memory_encoder.mask_downsampler.embed_dim=32",
    "++model.memory_encoder.fuser.layer.dim=32",
]

SEMANTICS = {
    "image_encoder": "SAM2Base.forward_image: vision_features = backbone_fpn[-1] (raw backbone feature), "
    "vision_pos_enc = its sine position encoding (input independent), high_res_feat0/1 = backbone_fpn[0]/[1] "
    "after sam_mask_decoder.conv_s0/conv_s1.",
    "memory_attention": "SAM2Base.memory_attention on inputs flattened (HW,1,C) as in "
    "_prepare_memory_conditioned_features; output reshaped to (1,C,H,W). The caller builds memory/memory_pos: "
    "spatial memories (maskmem_features flattened, maskmem_pos_enc + maskmem_tpos_enc[num_maskmem - t_pos - 1]) "
    "first, then object-pointer tokens (each hidden_dim pointer split into hidden_dim/mem_dim tokens, position "
    "obj_ptr_tpos_proj(get_1d_sine_pe(pos / t_diff_max, hidden_dim)) repeated per token). num_obj_ptr_tokens "
    "trailing tokens get no RoPE; spatial tokens get RoPE of position (index mod HW). "
    "On an initial conditioning frame the graph is NOT run: with directly_add_no_mem_embed the caller adds "
    "no_mem_embed to the raw feature.",
    "sam_heads": "Prompt encoder + mask decoder (SAM2Base._forward_sam_heads up to the decoder) + obj_ptr_proj on "
    "all 4 mask tokens. Inputs: point_coords in model-input pixels (x,y; official predictor scales by "
    "image_size/video size), labels int32 (1 pos, 0 neg, 2/3 box corners, -1 padding; the graph appends the "
    "official extra padding point itself); with no points pass one point (0,0) label -1. mask_input is the "
    "full-resolution (S,S) mask prompt (0/1); the graph applies mask_downsample then the prompt encoder's mask "
    "path when has_mask_input > 0.5, else no_mask_embed. Outputs are RAW: low_res_masks token 0 = single-mask, "
    "tokens 1..3 = multimask; no -1024 substitution; obj_ptrs are obj_ptr_proj of each token without the "
    "no-object mixing. Caller's selection (official): multimask_output -> best of tokens 1..3 by argmax IoU "
    "(first max), pointer from the same token (use_multimask_token_for_obj_ptr); single mask -> token 0 unless "
    "dynamic_multimask_via_stability finds it unstable (stability = count(logit > delta) / count(logit > -delta), "
    "1 when the denominator is 0; unstable if < thresh), then the best multimask mask/IoU, but the pointer stays "
    "token 0. Then where object_score_logits <= 0 the low-res mask becomes -1024 and (fixed_no_obj_ptr) the "
    "pointer becomes no_obj_ptr. High-res masks = bilinear (align_corners=False) upsampling of the selected "
    "low-res mask to (S,S). Mask-prompted frames (use_mask_input_as_output_without_sam) run this graph on the "
    "RAW backbone feature (no memory, no no_mem_embed) with no points, only for the pointer; their output is "
    "mask*20-10 (low-res: antialiased bilinear downsample), score +10/-10 from any(mask>0).",
    "memory_encoder": "SAM2Base._encode_new_memory after the mask preprocessing: inputs are the RAW backbone "
    "feature, mask_for_mem already prepared by the caller (sigmoid(high-res logits), or (logits>0) when "
    "binarize_mask_from_pts_for_mem_enc and the frame is prompted: the official preflight encodes every prompted "
    "frame, mask prompts included, from its low-res logits upsampled, with is_mask_from_pts=True; then "
    "* sigmoid_scale + sigmoid_bias once), "
    "and the object score; the graph adds no_obj_embed_spatial where object_score_logits <= 0. The official "
    "video predictor stores maskmem_features as bfloat16 (round to nearest even) and reads them back as float.",
}


def build_model(config, checkpoint, overrides=()):
    """Official video predictor (apply_postprocessing=True) on CPU, eval mode."""
    if "/" not in config:
        config = "configs/sam2.1/" + config
    model = build_sam2_video_predictor(
        config, ckpt_path=checkpoint, device="cpu", hydra_overrides_extra=list(overrides)
    )
    return model.eval()


# ---------------------------------------------------------------- graph wrappers


class ImageEncoderGraph(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        out = self.model.forward_image(image)
        fpn = out["backbone_fpn"]
        return out["vision_features"], out["vision_pos_enc"][-1], fpn[0], fpn[1]


class MemoryAttentionGraph(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.size = model.image_size // model.backbone_stride

    def forward(self, curr, curr_pos, memory, memory_pos, num_obj_ptr_tokens):
        out = self.model.memory_attention(
            curr=[curr], curr_pos=[curr_pos], memory=memory, memory_pos=memory_pos,
            num_obj_ptr_tokens=num_obj_ptr_tokens,
        )
        return out.permute(1, 2, 0).reshape(1, self.model.hidden_dim, self.size, self.size)


class SamHeadsGraph(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, backbone_features, high_res_feat0, high_res_feat1, point_coords, point_labels,
                mask_input, has_mask_input):
        m = self.model
        pe = m.sam_prompt_encoder
        sparse, dense_no_mask = pe(points=(point_coords, point_labels), boxes=None, masks=None)
        _, dense_mask = pe(points=(point_coords, point_labels), boxes=None,
                           masks=m.mask_downsample(mask_input))
        dense = torch.where(has_mask_input.reshape(1, 1, 1, 1) > 0.5, dense_mask, dense_no_mask)
        masks, ious, tokens, score = m.sam_mask_decoder.predict_masks(
            image_embeddings=backbone_features, image_pe=pe.get_dense_pe(),
            sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense, repeat_image=False,
            high_res_features=[high_res_feat0, high_res_feat1],
        )
        return masks, ious, m.obj_ptr_proj(tokens), score


class MemoryEncoderGraph(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pix_feat, mask_for_mem, object_score_logits):
        m = self.model
        out = m.memory_encoder(pix_feat, mask_for_mem, skip_mask_sigmoid=True)
        feats = out["vision_features"]
        if m.no_obj_embed_spatial is not None:
            absent = (object_score_logits <= 0).float().reshape(1, 1, 1, 1)
            feats = feats + absent * m.no_obj_embed_spatial.reshape(1, -1, 1, 1)
        return feats, out["vision_pos_enc"][0]


# ---------------------------------------------------------------- RoPE without complex numbers (ONNX has none)


def _rotate(x, cos, sin):
    pairs = x.reshape(*x.shape[:-1], -1, 2)
    re, im = pairs[..., 0], pairs[..., 1]
    return torch.stack([re * cos - im * sin, re * sin + im * cos], dim=-1).flatten(-2)


def _rope_forward_real(self, q, k, v, num_k_exclude_rope=None):
    """RoPEAttention.forward with real arithmetic and a tensor-valued exclusion count (traceable)."""
    q = self._separate_heads(self.q_proj(q), self.num_heads)
    k = self._separate_heads(self.k_proj(k), self.num_heads)
    v = self._separate_heads(self.v_proj(v), self.num_heads)
    cos, sin = self._export_cos, self._export_sin  # (HW, d/2)
    q = _rotate(q, cos, sin)
    key_index = torch.cumsum(torch.ones_like(k[0, 0, :, 0], dtype=torch.int64), 0) - 1
    k_rot = _rotate(k, cos[key_index % cos.shape[0]], sin[key_index % cos.shape[0]])
    if num_k_exclude_rope is None:
        k = k_rot
    else:
        keep_rope = key_index < (key_index.shape[0] - num_k_exclude_rope)
        k = torch.where(keep_rope.reshape(-1, 1), k_rot, k)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0)
    return self.out_proj(self._recombine_heads(out))


def _forward_ca_tensor(self, tgt, memory, query_pos, pos, num_k_exclude_rope=None):
    tgt2 = self.norm2(tgt)
    tgt2 = self.cross_attn_image(
        q=tgt2 + query_pos if self.pos_enc_at_cross_attn_queries else tgt2,
        k=memory + pos if self.pos_enc_at_cross_attn_keys else memory,
        v=memory,
        num_k_exclude_rope=num_k_exclude_rope,
    )
    return tgt + self.dropout2(tgt2)


@contextlib.contextmanager
def traceable_rope(model):
    """Temporarily swap the complex-number RoPE for the real one on every memory-attention layer."""
    side = model.image_size // model.backbone_stride
    patched, tables = [], {}
    for layer in model.memory_attention.layers:
        layer._forward_ca = types.MethodType(_forward_ca_tensor, layer)
        patched.append((layer, "_forward_ca"))
        for attn in (layer.self_attn, layer.cross_attn_image):
            assert isinstance(attn, RoPEAttention)
            freqs = attn.compute_cis(end_x=side, end_y=side).cpu()
            key = (freqs.shape, freqs.real.numpy().tobytes(), freqs.imag.numpy().tobytes())
            if key not in tables:  # one shared table, not one copy per layer, in the graph
                tables[key] = (freqs.real.contiguous(), freqs.imag.contiguous())
            # buffers, not captured tensors: the tracer inlines a captured tensor once per use
            attn.register_buffer("_export_cos", tables[key][0])
            attn.register_buffer("_export_sin", tables[key][1])
            attn.forward = types.MethodType(_rope_forward_real, attn)
            patched.append((attn, "forward"))
    try:
        yield
    finally:
        for obj, name in patched:
            delattr(obj, name)
        for layer in model.memory_attention.layers:
            for attn in (layer.self_attn, layer.cross_attn_image):
                del attn._export_cos, attn._export_sin


@contextlib.contextmanager
def constant_trunk_pos_embed(model):
    """Hiera's pos-embed (bicubic resize + tile of parameters) traces to a wrong ONNX Tile; it depends only on
    the static input size, so it is computed once by the official code and baked in as a constant."""
    trunk = model.image_encoder.trunk
    side = model.image_size // trunk.patch_embed.proj.stride[0]
    with torch.no_grad():
        pos = trunk._get_pos_embed((side, side)).clone()
    trunk._get_pos_embed = lambda hw: pos
    try:
        yield
    finally:
        del trunk._get_pos_embed


# ---------------------------------------------------------------- export + verification


def _export(module, args, path, input_names, output_names, dynamic_axes):
    """Traces `module` to `path`, then fuses its attention blocks (fuse_attention.py); the caller verifies."""
    with torch.no_grad():
        torch.onnx.export(
            module, args, str(path), dynamo=False, opset_version=OPSET, input_names=input_names,
            output_names=output_names, dynamic_axes=dynamic_axes, do_constant_folding=True,
        )
    onnx.checker.check_model(onnx.load(str(path)))
    fused = fuse_attention(path, {name: arg.numpy() for name, arg in zip(input_names, args)})
    onnx.checker.check_model(onnx.load(str(path)))
    print(f"  {path.name}: {fused} attention blocks fused into com.microsoft.MultiHeadAttention")


def _session(path):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _maxabs(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def _report(graph, case, diffs, tol):
    worst = max(diffs.values())
    print(f"  verify {graph:16s} {case:34s} " + " ".join(f"{k}={v:.2e}" for k, v in diffs.items()))
    if not worst <= tol:
        raise SystemExit(f"{graph} {case}: max-abs {worst:.3e} exceeds {tol:.1e}")
    return worst


def _dims(model):
    c = model.hidden_dim
    s = model.image_size
    return c, model.mem_dim, s, s // model.backbone_stride


def export_image_encoder(model, out_dir, gen, tol):
    c, cm, s, h = _dims(model)
    path = out_dir / "image_encoder.onnx"
    graph = ImageEncoderGraph(model).eval()
    image = torch.randn(1, 3, s, s, generator=gen)
    outputs = ["vision_features", "vision_pos_enc", "high_res_feat0", "high_res_feat1"]
    # frames are independent here: a dynamic batch lets the engine encode several frames in one run
    with constant_trunk_pos_embed(model):
        _export(graph, (image,), path, ["image"], outputs, {n: {0: "batch"} for n in ["image"] + outputs})
    sess = _session(path)
    worst = 0.0
    for case, batch in enumerate((1, 1, 3)):
        x = torch.randn(batch, 3, s, s, generator=gen) * (1 + case)
        got = sess.run(None, {"image": x.numpy()})
        for b in range(batch):  # the official code frame by frame
            with torch.no_grad():
                ref = model.forward_image(x[b:b + 1])
            expect = [ref["vision_features"], ref["vision_pos_enc"][-1], ref["backbone_fpn"][0],
                      ref["backbone_fpn"][1]]
            diffs = {n: _maxabs(g[b:b + 1], e) for n, g, e in zip(["feat", "pos", "hr0", "hr1"], got, expect)}
            worst = max(worst, _report("image_encoder", f"random image #{case}, batch {batch}[{b}]", diffs, tol))
    return worst


def _official_conditioned(model, curr, curr_pos, memory, memory_pos, n_ptr):
    with torch.no_grad():
        out = model.memory_attention(curr=[curr], curr_pos=[curr_pos], memory=memory,
                                     memory_pos=memory_pos, num_obj_ptr_tokens=n_ptr)
    c, _, _, h = _dims(model)
    return out.permute(1, 2, 0).reshape(1, c, h, h)


def export_memory_attention(model, out_dir, gen, tol):
    c, cm, s, h = _dims(model)
    hw = h * h
    per_ptr = c // cm
    path = out_dir / "memory_attention.onnx"

    def inputs(n_spatial, n_ptrs):
        m = n_spatial * hw + n_ptrs * per_ptr
        return (torch.randn(hw, 1, c, generator=gen), torch.randn(hw, 1, c, generator=gen),
                torch.randn(m, 1, cm, generator=gen), torch.randn(m, 1, cm, generator=gen),
                torch.tensor([n_ptrs * per_ptr], dtype=torch.int64))

    with traceable_rope(model):
        _export(MemoryAttentionGraph(model).eval(), inputs(2, 3), path,
                ["curr", "curr_pos", "memory", "memory_pos", "num_obj_ptr_tokens"], ["pix_feat_with_mem"],
                {"memory": {0: "num_mem_tokens"}, "memory_pos": {0: "num_mem_tokens"}})
    sess = _session(path)
    worst = 0.0
    for n_spatial, n_ptrs in [(1, 0), (1, 1), (3, 2), (7, 16), (2, 5)]:
        curr, curr_pos, memory, memory_pos, n = inputs(n_spatial, n_ptrs)
        ref = _official_conditioned(model, curr, curr_pos, memory, memory_pos, int(n[0]))
        got = sess.run(None, {"curr": curr.numpy(), "curr_pos": curr_pos.numpy(), "memory": memory.numpy(),
                              "memory_pos": memory_pos.numpy(), "num_obj_ptr_tokens": n.numpy()})[0]
        worst = max(worst, _report("memory_attention", f"{n_spatial} mem frames, {n_ptrs} ptrs",
                                   {"feat": _maxabs(got, ref)}, tol))
    return worst


def chosen_mask_index(model, raw_masks, raw_ious, multimask):
    """Index (0..3) of the decoder token the official selection keeps (see SEMANTICS['sam_heads']) and the
    margin of that decision (IoU gap to the runner-up, or stability distance to its threshold)."""
    multi_ious = raw_ious[0, 1:].sort(descending=True).values
    best_multi = 1 + int(torch.argmax(raw_ious[0, 1:]))
    iou_gap = float(multi_ious[0] - multi_ious[1])
    if multimask:
        return best_multi, iou_gap
    dec = model.sam_mask_decoder
    single = raw_masks[0, 0]
    area_u = float((single > -dec.dynamic_multimask_stability_delta).sum())
    area_i = float((single > dec.dynamic_multimask_stability_delta).sum())
    stability = area_i / area_u if area_u > 0 else 1.0
    stability_gap = abs(stability - dec.dynamic_multimask_stability_thresh)
    if stability >= dec.dynamic_multimask_stability_thresh or not dec.dynamic_multimask_via_stability:
        return 0, stability_gap
    return best_multi, min(stability_gap, iou_gap)


def select_heads_output(model, masks, ious, ptrs, score, multimask):
    """The caller's side of the sam_heads boundary (what the Java engine implements), in torch.

    model needs: sam_mask_decoder stability settings, use_multimask_token_for_obj_ptr, no_obj_ptr, image_size.
    Returns the chosen token, low-res and high-res mask, its IoU and the object pointer.
    """
    index, _ = chosen_mask_index(model, masks, ious, multimask)
    ptr_index = index if multimask and model.use_multimask_token_for_obj_ptr else 0
    mask, iou, ptr = masks[:, index:index + 1], ious[:, index:index + 1], ptrs[:, ptr_index]
    if not float(score.reshape(-1)[0]) > 0:
        mask = torch.full_like(mask, NO_OBJ_SCORE)
        ptr = torch.as_tensor(model.no_obj_ptr).detach().reshape(1, -1).clone()
    high = F.interpolate(mask, size=(model.image_size, model.image_size), mode="bilinear", align_corners=False)
    return index, mask, high, iou, ptr


def export_sam_heads(model, out_dir, gen, tol):
    c, cm, s, h = _dims(model)
    path = out_dir / "sam_heads.onnx"

    def features():
        with torch.no_grad():
            out = model.forward_image(torch.randn(1, 3, s, s, generator=gen))
        return out["vision_features"] + 0.1 * torch.randn(1, c, h, h, generator=gen), \
            out["backbone_fpn"][0], out["backbone_fpn"][1]

    def points(labels):
        coords = torch.rand(1, len(labels), 2, generator=gen) * s
        return coords, torch.tensor([labels], dtype=torch.int32)

    feat, hr0, hr1 = features()
    coords, labels = points([1, 0])
    mask = (torch.rand(1, 1, s, s, generator=gen) > 0.5).float()
    _export(SamHeadsGraph(model).eval(), (feat, hr0, hr1, coords, labels, mask, torch.ones(1)), path,
            ["backbone_features", "high_res_feat0", "high_res_feat1", "point_coords", "point_labels",
             "mask_input", "has_mask_input"],
            ["low_res_masks", "iou_predictions", "obj_ptrs", "object_score_logits"],
            {"point_coords": {1: "num_points"}, "point_labels": {1: "num_points"}})
    sess = _session(path)
    worst = 0.0
    cases = [("1 positive click", [1], False), ("pos+neg clicks", [1, 0], False), ("box", [2, 3], False),
             ("box+pos+neg", [2, 3, 1, 0], False), ("no points (tracking)", [-1], False),
             ("mask prompt", [-1], True)]
    for name, lab, with_mask in cases:
        feat, hr0, hr1 = features()
        coords, labels = points(lab)
        if lab == [-1]:
            coords = torch.zeros(1, 1, 2)
        mask = torch.zeros(1, 1, s, s)
        if with_mask:
            mask[..., s // 4: s // 2, s // 3: 3 * s // 4] = 1.0
        got = sess.run(None, {"backbone_features": feat.numpy(), "high_res_feat0": hr0.numpy(),
                              "high_res_feat1": hr1.numpy(), "point_coords": coords.numpy(),
                              "point_labels": labels.numpy(), "mask_input": mask.numpy(),
                              "has_mask_input": np.array([1.0 if with_mask else 0.0], dtype=np.float32)})
        got = [torch.from_numpy(g) for g in got]
        with torch.no_grad():
            raw = SamHeadsGraph(model)(feat, hr0, hr1, coords, labels, mask,
                                       torch.tensor([1.0 if with_mask else 0.0]))
        _report("sam_heads", f"{name}, raw outputs", {n: _maxabs(g, r) for n, g, r in
                                                      zip(["masks", "iou", "ptrs", "score"], got, raw)}, tol)
        print(f"    object score {float(got[3]):+.3f}")
        point_inputs = None if lab == [-1] else {"point_coords": coords, "point_labels": labels}
        mask_inputs = model.mask_downsample(mask) if with_mask else None
        for multimask in (True, False):
            with torch.no_grad():
                ref = model._forward_sam_heads(feat, point_inputs=point_inputs, mask_inputs=mask_inputs,
                                               high_res_features=[hr0, hr1], multimask_output=multimask)
            _, low, high, iou, ptr = select_heads_output(model, *got, multimask)
            diffs = {"low": _maxabs(low, ref[3]), "high": _maxabs(high, ref[4]), "ptr": _maxabs(ptr, ref[5]),
                     "score": _maxabs(got[3], ref[6])}
            if multimask:
                diffs["iou"] = _maxabs(iou, ref[2].gather(1, torch.argmax(ref[2], 1, keepdim=True)))
            worst = max(worst, _report("sam_heads", f"{name}, multimask={multimask}", diffs, tol))
    return worst


def mask_for_memory(model, high_res_logits, from_points):
    """Caller-side preparation of the memory encoder's mask input (SAM2Base._encode_new_memory)."""
    if model.binarize_mask_from_pts_for_mem_enc and from_points:
        mask = (high_res_logits > 0).float()
    else:
        mask = torch.sigmoid(high_res_logits)
    return mask * model.sigmoid_scale_for_mem_enc + model.sigmoid_bias_for_mem_enc


def export_memory_encoder(model, out_dir, gen, tol):
    c, cm, s, h = _dims(model)
    path = out_dir / "memory_encoder.onnx"
    feat = torch.randn(1, c, h, h, generator=gen)
    logits = torch.randn(1, 1, s, s, generator=gen) * 8
    _export(MemoryEncoderGraph(model).eval(), (feat, mask_for_memory(model, logits, False), torch.ones(1, 1)),
            path, ["pix_feat", "mask_for_mem", "object_score_logits"], ["maskmem_features", "maskmem_pos_enc"],
            None)
    sess = _session(path)
    worst = 0.0
    for from_points, score in [(False, 2.5), (True, 0.7), (False, -3.0), (True, 0.0)]:
        feat = torch.randn(1, c, h, h, generator=gen)
        logits = torch.randn(1, 1, s, s, generator=gen) * 8
        score_t = torch.tensor([[score]])
        with torch.no_grad():
            ref_feat, ref_pos = model._encode_new_memory(
                current_vision_feats=[feat.flatten(2).permute(2, 0, 1)], feat_sizes=[(h, h)],
                pred_masks_high_res=logits, object_score_logits=score_t, is_mask_from_pts=from_points)
        got = sess.run(None, {"pix_feat": feat.numpy(),
                              "mask_for_mem": mask_for_memory(model, logits, from_points).numpy(),
                              "object_score_logits": score_t.numpy()})
        diffs = {"feat": _maxabs(got[0], ref_feat), "pos": _maxabs(got[1], ref_pos[-1])}
        worst = max(worst, _report("memory_encoder", f"points={from_points}, score={score}", diffs, tol))
    return worst


# ---------------------------------------------------------------- constants and manifest


def _write_bin(out_dir, name, tensor):
    arr = tensor.detach().cpu().numpy().astype("<f4")
    (out_dir / f"{name}.bin").write_bytes(arr.tobytes(order="C"))
    return {"file": f"{name}.bin", "dtype": "float32", "byte_order": "little", "shape": list(arr.shape)}


def model_flags(model):
    dec = model.sam_mask_decoder
    return {
        "image_size": model.image_size,
        "backbone_stride": model.backbone_stride,
        "num_maskmem": model.num_maskmem,
        "max_obj_ptrs_in_encoder": model.max_obj_ptrs_in_encoder,
        "max_cond_frames_in_attn": model.max_cond_frames_in_attn,
        "memory_temporal_stride_for_eval": model.memory_temporal_stride_for_eval,
        "directly_add_no_mem_embed": model.directly_add_no_mem_embed,
        "sigmoid_scale_for_mem_enc": model.sigmoid_scale_for_mem_enc,
        "sigmoid_bias_for_mem_enc": model.sigmoid_bias_for_mem_enc,
        "binarize_mask_from_pts_for_mem_enc": model.binarize_mask_from_pts_for_mem_enc,
        "use_mask_input_as_output_without_sam": model.use_mask_input_as_output_without_sam,
        "multimask_output_in_sam": model.multimask_output_in_sam,
        "multimask_min_pt_num": model.multimask_min_pt_num,
        "multimask_max_pt_num": model.multimask_max_pt_num,
        "multimask_output_for_tracking": model.multimask_output_for_tracking,
        "use_multimask_token_for_obj_ptr": model.use_multimask_token_for_obj_ptr,
        "iou_prediction_use_sigmoid": model.iou_prediction_use_sigmoid,
        "use_obj_ptrs_in_encoder": model.use_obj_ptrs_in_encoder,
        "add_tpos_enc_to_obj_ptrs": model.add_tpos_enc_to_obj_ptrs,
        "proj_tpos_enc_in_obj_ptrs": model.proj_tpos_enc_in_obj_ptrs,
        "use_signed_tpos_enc_to_obj_ptrs": model.use_signed_tpos_enc_to_obj_ptrs,
        "only_obj_ptrs_in_the_past_for_eval": model.only_obj_ptrs_in_the_past_for_eval,
        "pred_obj_scores": model.pred_obj_scores,
        "fixed_no_obj_ptr": model.fixed_no_obj_ptr,
        "soft_no_obj_ptr": model.soft_no_obj_ptr,
        "no_obj_embed_spatial": model.no_obj_embed_spatial is not None,
        "non_overlap_masks_for_mem_enc": model.non_overlap_masks_for_mem_enc,
        "dynamic_multimask_via_stability": dec.dynamic_multimask_via_stability,
        "dynamic_multimask_stability_delta": dec.dynamic_multimask_stability_delta,
        "dynamic_multimask_stability_thresh": dec.dynamic_multimask_stability_thresh,
        "fill_hole_area": model.fill_hole_area,
        "non_overlap_masks": model.non_overlap_masks,
        "clear_non_cond_mem_around_input": model.clear_non_cond_mem_around_input,
        "add_all_frames_to_correct_as_cond": model.add_all_frames_to_correct_as_cond,
        "no_obj_score": NO_OBJ_SCORE,
        "mask_as_output_scale": 20.0,
        "mask_as_output_bias": -10.0,
        "prev_mask_logits_clamp": 32.0,
        "memory_features_storage_dtype": "bfloat16",
    }


def write_constants(model, out_dir, flags):
    c, cm, s, h = _dims(model)
    tensors = {
        "maskmem_tpos_enc": _write_bin(out_dir, "maskmem_tpos_enc", model.maskmem_tpos_enc.reshape(-1, cm)),
        "no_mem_embed": _write_bin(out_dir, "no_mem_embed", model.no_mem_embed.reshape(c)),
        "no_mem_pos_enc": _write_bin(out_dir, "no_mem_pos_enc", model.no_mem_pos_enc.reshape(c)),
        "no_obj_ptr": _write_bin(out_dir, "no_obj_ptr", model.no_obj_ptr.reshape(c)),
        "no_obj_embed_spatial": _write_bin(out_dir, "no_obj_embed_spatial", model.no_obj_embed_spatial.reshape(cm)),
        "obj_ptr_tpos_proj_weight": _write_bin(out_dir, "obj_ptr_tpos_proj_weight", model.obj_ptr_tpos_proj.weight),
        "obj_ptr_tpos_proj_bias": _write_bin(out_dir, "obj_ptr_tpos_proj_bias", model.obj_ptr_tpos_proj.bias),
        "mask_downsample_weight": _write_bin(out_dir, "mask_downsample_weight", model.mask_downsample.weight),
        "mask_downsample_bias": _write_bin(out_dir, "mask_downsample_bias", model.mask_downsample.bias),
    }
    constants = {
        "tensors": tensors,
        "tensor_notes": {
            "maskmem_tpos_enc": "[num_maskmem, mem_dim]; memory frame with t_pos gets row num_maskmem - t_pos - 1",
            "obj_ptr_tpos_proj_weight": "[mem_dim, hidden_dim], torch Linear layout: y = W x + b",
            "no_obj_embed_spatial": "already applied inside memory_encoder; here for reference",
            "no_mem_pos_enc": "unused when directly_add_no_mem_embed is true",
            "mask_downsample_weight": "[1, 1, 4, 4] conv, stride 4, that sam_heads applies to mask_input; the engine "
                                      "inverts it to feed earlier low-res logits as a dense prompt (corrections)",
        },
        "image_mean": [0.485, 0.456, 0.406],
        "image_std": [0.229, 0.224, 0.225],
        "flags": flags,
    }
    (out_dir / "constants.json").write_text(json.dumps(constants, indent=2) + "\n")


_ONNX_TYPES = {1: "float32", 6: "int32", 7: "int64", 9: "bool"}


def _io(values):
    out = []
    for v in values:
        t = v.type.tensor_type
        shape = [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim]
        out.append({"name": v.name, "dtype": _ONNX_TYPES[t.elem_type], "shape": shape})
    return out


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_NUMPY_TYPES = {"float32": np.float32, "int32": np.int32, "int64": np.int64}


def fix_output_shapes(path):
    """The tracer leaves most output dims symbolic; they are static (but for the "batch" axes the export asked
    for), so run once and write them in."""
    proto = onnx.load(str(path))
    feeds = {}
    for v in _io(proto.graph.input):
        shape = [d if isinstance(d, int) else 1 for d in v["shape"]]
        feeds[v["name"]] = np.zeros(shape, dtype=_NUMPY_TYPES[v["dtype"]])
    results = _session(path).run(None, feeds)
    for out, result in zip(proto.graph.output, results):
        dims = out.type.tensor_type.shape.dim
        for dim, size in zip(dims, result.shape):
            if dim.dim_param == "batch":
                continue
            dim.Clear()
            dim.dim_value = size
    onnx.save(proto, str(path))


def write_manifest(model, out_dir, name, config, flags, verification):
    c, cm, s, h = _dims(model)
    graphs = {}
    for g in ("image_encoder", "memory_attention", "sam_heads", "memory_encoder"):
        fix_output_shapes(out_dir / f"{g}.onnx")
        proto = onnx.load(str(out_dir / f"{g}.onnx"), load_external_data=False)
        graphs[g] = {"file": f"{g}.onnx", "inputs": _io(proto.graph.input), "outputs": _io(proto.graph.output),
                     "semantics": SEMANTICS[g], "verified_max_abs_diff": verification[g]}
    files = sorted(p.name for p in out_dir.iterdir()
                   if p.is_file() and (p.suffix in (".onnx", ".bin") or p.name == "constants.json"))
    manifest = {
        "format": "triplane-sam2-onnx/1",
        "model": name,
        "config": config,
        "opset": OPSET,
        "exported_with": {"sam2": "1.1.0", "torch": torch.__version__, "onnx": onnx.__version__,
                          "onnxruntime": ort.__version__},
        "image_size": s,
        "hidden_dim": c,
        "mem_dim": cm,
        "feat_size": h,
        "high_res_dims": [c // 8, c // 4],
        "high_res_sizes": [4 * h, 2 * h],
        "low_res_mask_size": 4 * h,
        "obj_ptr_tokens_per_pointer": c // cm,
        "num_mask_tokens": model.sam_mask_decoder.num_mask_tokens,
        "num_maskmem": model.num_maskmem,
        "max_obj_ptrs_in_encoder": model.max_obj_ptrs_in_encoder,
        "graphs": graphs,
        "constants": "constants.json",
        "flags": flags,
        "sha256": {f: _sha256(out_dir / f) for f in files},
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def export_all(model, out_dir, name, config, tol, seed):
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(seed + 1)
    print(f"exporting {name} (image {model.image_size}, hidden {model.hidden_dim}, mem {model.mem_dim}) -> {out_dir}")
    verification = {
        "image_encoder": export_image_encoder(model, out_dir, gen, tol),
        "memory_attention": export_memory_attention(model, out_dir, gen, tol),
        "sam_heads": export_sam_heads(model, out_dir, gen, tol),
        "memory_encoder": export_memory_encoder(model, out_dir, gen, tol),
    }
    flags = model_flags(model)
    write_constants(model, out_dir, flags)
    write_manifest(model, out_dir, name, config, flags, verification)
    total = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    print(f"done: {total / 1e6:.2f} MB in {out_dir}; worst max-abs per graph: {verification}")


def build_micro():
    """The micro model: official modules, fixed seed, then a few weights scaled by MICRO_GAINS.

    With the default init a random SAM2 is nearly blind to its memory (near-uniform attention, embeddings of
    std 0.02), its object scores and the IoUs of the three multimask tokens nearly tie, and its mask logits are
    within 0.05 of 0. Parity tests on such a model could not tell a wrong memory rule from a right one, and a
    1e-3 numeric difference could flip a decision. The gains make memory, temporal encodings and the
    no-object/no-memory embeddings matter and keep decisions apart; they change no semantics.
    """
    torch.manual_seed(MICRO_SEED)
    model = build_model(MICRO_CONFIG, None, MICRO_OVERRIDES)
    with torch.no_grad():
        for name, gain in MICRO_GAINS.items():
            for param_name in MICRO_GAIN_TARGETS[name]:
                model.get_parameter(param_name).mul_(gain)
        model.sam_mask_decoder.pred_obj_score_head.layers[-1].bias.fill_(MICRO_OBJ_SCORE_BIAS)
    return model


def cmd_micro(args):
    model = build_micro()
    export_all(model, Path(args.out), "sam2.1-micro-random", MICRO_CONFIG, args.tol, MICRO_SEED)


def cmd_export(args):
    if (args.checkpoint is None) == (not args.random_weights):
        raise SystemExit("give exactly one of --checkpoint PATH or --random-weights")
    torch.manual_seed(args.seed)
    model = build_model(args.config, args.checkpoint)
    stem = Path(args.config).stem
    name = stem + ("-random" if args.random_weights else "")
    export_all(model, Path(args.out), name, args.config, args.tol, args.seed)


# ---------------------------------------------------------------- parity fixtures (official video predictor)

FIXTURE_DIR = REPO_ROOT / "core" / "src" / "test" / "resources" / "fixtures" / "sam2"
FIXTURE_VOLUME = "samples/example_ct_sm.nii.gz"
FIXTURE_LABELS = "samples/example_seg.nii.gz"
FIXTURE_WINDOW = (-1000.0, 1000.0)
IMAGE_MEAN = (0.485, 0.456, 0.406)
IMAGE_STD = (0.229, 0.224, 0.225)


def axial_frames(volume, size, window):
    """docs/method.md §1 preprocessing of every axial slice: frame row = j, column = i; float32 throughout."""
    lo, hi = np.float32(window[0]), np.float32(window[1])
    mean = torch.tensor(IMAGE_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(IMAGE_STD, dtype=torch.float32).view(1, 3, 1, 1)
    frames = []
    for k in range(volume.shape[2]):
        grey = (np.clip(volume[:, :, k].T, lo, hi) - lo) / (hi - lo) * np.float32(255)
        rgb = torch.from_numpy(np.ascontiguousarray(grey, dtype=np.float32))[None, None].expand(1, 3, -1, -1)
        resized = F.interpolate(rgb, size=(size, size), mode="bilinear", align_corners=False) / 255
        frames.append(((resized - mean) / std)[0])
    return torch.stack(frames)


def interior_point(mask2d):
    """(x, y) of the first pixel with the largest distance to the border (row-major argmax)."""
    from scipy.ndimage import distance_transform_edt
    dist = distance_transform_edt(mask2d)
    row, col = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return [float(col), float(row)]


def bounding_box(mask2d):
    rows, cols = np.nonzero(mask2d)
    return [float(cols.min()), float(rows.min()), float(cols.max()), float(rows.max())]


class HeadsRecorder:
    """Wraps the official model to note, per (frame, object), which decoder token was chosen."""

    def __init__(self, model, state):
        self.model, self.state = model, state
        self.context, self.mask_as_output, self.choice, self.min_margin = None, False, {}, float("inf")
        dec = model.sam_mask_decoder
        orig_predict, orig_heads = dec.predict_masks, model._forward_sam_heads
        orig_mask_out, orig_single = model._use_mask_as_output, model._run_single_frame_inference
        raw = {}

        def predict_masks(*args, **kwargs):
            raw["out"] = orig_predict(*args, **kwargs)
            return raw["out"]

        def heads(backbone_features, point_inputs=None, mask_inputs=None, high_res_features=None,
                  multimask_output=False):
            out = orig_heads(backbone_features, point_inputs, mask_inputs, high_res_features, multimask_output)
            masks, ious = raw["out"][0], raw["out"][1]
            index, margin = chosen_mask_index(model, masks, ious, multimask_output)
            if float(out[6].reshape(-1)[0]) > 0:  # self-check against the official pick when present
                assert torch.equal(out[3], masks[:, index:index + 1].float()), "selection rule mismatch"
            self.choice[self.context] = -1 if self.mask_as_output else index
            if not self.mask_as_output:
                self.min_margin = min(self.min_margin, margin)
            return out

        def use_mask_as_output(*args, **kwargs):
            self.mask_as_output = True
            try:
                return orig_mask_out(*args, **kwargs)
            finally:
                self.mask_as_output = False

        def single_frame(inference_state, output_dict, frame_idx, *args, **kwargs):
            obj_idx = next(i for i, d in inference_state["output_dict_per_obj"].items() if d is output_dict)
            self.context = (frame_idx, obj_idx)
            return orig_single(inference_state, output_dict, frame_idx, *args, **kwargs)

        orig_attention = model.memory_attention.forward

        def memory_attention(curr, memory, curr_pos=None, memory_pos=None, num_obj_ptr_tokens=0):
            # Official CPU bug: a memory without object pointers stays bfloat16 and the float32 projection
            # fails; with pointers torch.cat already promotes to float32, so this cast is value-preserving.
            return orig_attention(curr=curr, memory=memory.float(), curr_pos=curr_pos,
                                  memory_pos=memory_pos, num_obj_ptr_tokens=num_obj_ptr_tokens)

        dec.predict_masks = predict_masks
        model._forward_sam_heads = heads
        model._use_mask_as_output = use_mask_as_output
        model._run_single_frame_inference = single_frame
        model.memory_attention.forward = memory_attention


def _gz(path, array):
    import gzip
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes())


def cmd_fixtures(args):
    import nibabel as nib
    import sam2.sam2_video_predictor as video_predictor
    import warnings

    torch.set_num_threads(1)
    model = build_micro()
    size = model.image_size
    volume = np.asarray(nib.load(REPO_ROOT / FIXTURE_VOLUME).dataobj).astype(np.float32)
    labels = np.asarray(nib.load(REPO_ROOT / FIXTURE_LABELS).dataobj)
    images = axial_frames(volume, size, FIXTURE_WINDOW)
    height, width = volume.shape[1], volume.shape[0]
    video_predictor.load_video_frames = lambda **kwargs: (images, height, width)

    def slice_of(label, k):
        return labels[:, :, k].T == label

    kidney, spleen, vertebra = 3, 1, 31
    prompts = [
        {"obj_id": 1, "frame": 6, "type": "points",
         "points": [interior_point(slice_of(kidney, 6)), interior_point(slice_of(spleen, 6))], "labels": [1, 0]},
        {"obj_id": 1, "frame": 16, "type": "box", "box": bounding_box(slice_of(kidney, 16))},
        {"obj_id": 2, "frame": 8, "type": "mask", "label": vertebra},
        {"obj_id": 2, "frame": 18, "type": "points", "points": [interior_point(slice_of(vertebra, 18))],
         "labels": [1]},
        {"obj_id": 2, "frame": 25, "type": "mask", "label": vertebra},  # absent there: empty mask, score -10
    ]
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    records, low_res, video_res, mask_prompts = [], [], [], []
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state = model.init_state("frames are injected")
        recorder = HeadsRecorder(model, state)
        for p in prompts:
            if p["type"] == "points":
                model.add_new_points_or_box(state, p["frame"], p["obj_id"], points=np.array(p["points"], np.float32),
                                            labels=np.array(p["labels"], np.int32))
            elif p["type"] == "box":
                model.add_new_points_or_box(state, p["frame"], p["obj_id"], box=np.array(p["box"], np.float32))
            else:
                mask = slice_of(p["label"], p["frame"])
                p["mask_pixels"] = int(mask.sum())
                model.add_new_mask(state, p["frame"], p["obj_id"], mask)
                obj_idx = state["obj_id_to_idx"][p["obj_id"]]
                resized = state["mask_inputs_per_obj"][obj_idx][p["frame"]][0, 0].numpy() > 0.5
                p["mask_index"] = len(mask_prompts)
                mask_prompts.append((mask, resized))
        cond_choice = dict(recorder.choice)
        last_prompted = max(p["frame"] for p in prompts)
        for pass_name, reverse, start in (("forward", False, None), ("reverse", True, last_prompted)):
            for frame, obj_ids, masks in model.propagate_in_video(state, start_frame_idx=start, reverse=reverse):
                for obj_idx, obj_id in enumerate(obj_ids):
                    out_dict = state["output_dict_per_obj"][obj_idx]
                    is_cond = frame in out_dict["cond_frame_outputs"]
                    out = out_dict["cond_frame_outputs" if is_cond else "non_cond_frame_outputs"][frame]
                    choice = (cond_choice if is_cond else recorder.choice)[(frame, obj_idx)]
                    final = reverse or frame > last_prompted
                    records.append({"pass": pass_name, "frame": frame, "obj_id": obj_id,
                                    "conditioning": is_cond, "object_score": float(out["object_score_logits"]),
                                    "chosen_mask": choice, "low_res_index": len(low_res),
                                    "video_res_index": len(video_res) if final else -1})
                    low_res.append(out["pred_masks"][0, 0].numpy())
                    if final:
                        video_res.append(masks[obj_idx, 0].numpy())
    _gz(out_dir / "low_res_logits.f32.gz", np.stack(low_res).astype(np.float32))
    _gz(out_dir / "video_res_logits.f32.gz", np.stack(video_res).astype(np.float32))
    _gz(out_dir / "frame0_input.f32.gz", images[0].numpy().astype(np.float32))
    _gz(out_dir / "mask_prompts.u8.gz", np.stack([m for m, _ in mask_prompts]).astype(np.uint8))
    _gz(out_dir / "mask_prompts_resized.u8.gz", np.stack([r for _, r in mask_prompts]).astype(np.uint8))
    fixture = {
        "generator": "tools/sam2_export/export.py fixtures (official sam2==1.1.0 SAM2VideoPredictor, CPU, float32)",
        "model": "models/sam2-micro",
        "volume": FIXTURE_VOLUME, "labels": FIXTURE_LABELS, "axis": "axial",
        "frames": "frame t = slice k=t of the stored voxel array (already RAS+); frame[row=j][col=i]",
        "num_frames": int(volume.shape[2]), "video_height": height, "video_width": width,
        "preprocessing": "float32: g = (clip(hu, lo, hi) - lo) / (hi - lo) * 255; 3 equal channels; bilinear "
                         "resize (align_corners=False, no antialias) to image_size; / 255; (x - mean[c]) / std[c]",
        "window": list(FIXTURE_WINDOW), "image_size": size, "image_mean": list(IMAGE_MEAN),
        "image_std": list(IMAGE_STD),
        "prompts": prompts,
        "prompt_notes": "points/boxes are in video pixels (x = column, y = row) as passed to add_new_points_or_box "
                        "(normalize_coords=True: scaled by image_size / width|height). Masks are passed to "
                        "add_new_mask at video resolution; the official code resizes them (bilinear, antialias, "
                        ">= 0.5) to image_size: mask_prompts_resized holds that result.",
        "fill_holes_applied": False,
        "calls": "add prompts in the listed order; propagate_in_video(reverse=False) from the earliest prompted "
                 "frame, then propagate_in_video(start_frame_idx=latest prompted frame, reverse=True)",
        "records_notes": "one record per yielded (pass, frame, object) in yield order; chosen_mask = decoder token "
                         "kept (0 single-mask, 1..3 multimask), -1 for mask-prompted frames (mask used as output). "
                         "low_res_logits [n, S/4, S/4] (every record) and video_res_logits [m, H, W] (only the final "
                         "output of each frame and object: the reverse pass, or the forward pass past the latest "
                         "prompted frame) are float32 little-endian, gzip, indexed by low_res_index / "
                         "video_res_index (-1: not stored).",
        "files": {"low_res_logits": ["low_res_logits.f32.gz", [len(records), size // 4, size // 4]],
                  "video_res_logits": ["video_res_logits.f32.gz", [len(video_res), height, width]],
                  "frame0_input": ["frame0_input.f32.gz", [3, size, size]],
                  "mask_prompts": ["mask_prompts.u8.gz", [len(mask_prompts), height, width]],
                  "mask_prompts_resized": ["mask_prompts_resized.u8.gz", [len(mask_prompts), size, size]]},
        "records": records,
    }
    scores = [r["object_score"] for r in records]
    fixture["decision_margins"] = {"min_abs_object_score": min(abs(x) for x in scores),
                                   "min_mask_choice_margin": recorder.min_margin}
    (out_dir / "fixture.json").write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"{len(records)} records, scores {min(scores):.2f}..{max(scores):.2f}, "
          f"negative {sum(x <= 0 for x in scores)}, chosen {sorted(set(r['chosen_mask'] for r in records))}, "
          f"margins {fixture['decision_margins']}")
    total = sum(f.stat().st_size for f in out_dir.iterdir())
    print(f"wrote {out_dir} ({total / 1e6:.2f} MB)")



# ---------------------------------------------------------------- replay: the caller's rules on the ONNX graphs


def bf16_round(x):
    """float32 -> nearest bfloat16 (ties to even) -> float32, as the official predictor stores memories."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    bits = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
    return bits.view(np.float32)


def sine_pe_1d(positions, dim):
    """sam2_utils.get_1d_sine_pe in float32."""
    half = dim // 2
    dim_t = np.float32(10000.0) ** (2 * (np.arange(half, dtype=np.float32) // 2) / np.float32(half))
    angles = np.asarray(positions, dtype=np.float32)[:, None] / dim_t
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=-1).astype(np.float32)


class OnnxVideoEngine:
    """Reference for the Java engine: the graphs of model_dir plus every rule docs/method.md §2 keeps outside them.

    Covers what the fixture exercises: all prompts are added before propagation (every prompted frame is an
    initial conditioning frame), max_cond_frames_in_attn = -1, memory_temporal_stride_for_eval = 1, one
    object per call (objects never interact), no hole filling.
    """

    def __init__(self, model_dir, images, height, width):
        model_dir = Path(model_dir)
        self.manifest = json.loads((model_dir / "manifest.json").read_text())
        constants = json.loads((model_dir / "constants.json").read_text())
        self.flags = constants["flags"]
        self.const = {name: np.frombuffer((model_dir / t["file"]).read_bytes(), dtype="<f4").reshape(t["shape"])
                      for name, t in constants["tensors"].items()}
        self.sessions = {g: _session(model_dir / v["file"]) for g, v in self.manifest["graphs"].items()}
        self.images, self.height, self.width = images, height, width
        self.num_frames = len(images)
        self.size = self.manifest["image_size"]
        self.features = {}
        self.encoder_runs = 0

    def frame_features(self, t):
        if t not in self.features:
            feat, pos, hr0, hr1 = self.sessions["image_encoder"].run(None, {"image": self.images[t:t + 1]})
            self.features[t] = {"feat": feat, "pos": pos, "hr0": hr0, "hr1": hr1}
            self.encoder_runs += 1
        return self.features[t]

    def heads(self, feat, f, coords, labels, mask_input=None):
        s = self.size
        raw = self.sessions["sam_heads"].run(None, {
            "backbone_features": feat, "high_res_feat0": f["hr0"], "high_res_feat1": f["hr1"],
            "point_coords": np.asarray(coords, np.float32).reshape(1, -1, 2),
            "point_labels": np.asarray(labels, np.int32).reshape(1, -1),
            "mask_input": np.zeros((1, 1, s, s), np.float32) if mask_input is None else mask_input,
            "has_mask_input": np.array([0.0 if mask_input is None else 1.0], np.float32)})
        return [torch.from_numpy(x) for x in raw]

    def select(self, raw, multimask):
        index, low, _, _, ptr = select_heads_output(self, *raw, multimask)
        return {"low": low, "ptr": ptr, "score": float(raw[3].reshape(-1)[0]), "chosen": index}

    # select_heads_output reads these attributes of a model
    @property
    def sam_mask_decoder(self):
        f = self.flags
        return types.SimpleNamespace(dynamic_multimask_via_stability=f["dynamic_multimask_via_stability"],
                                     dynamic_multimask_stability_delta=f["dynamic_multimask_stability_delta"],
                                     dynamic_multimask_stability_thresh=f["dynamic_multimask_stability_thresh"])

    @property
    def use_multimask_token_for_obj_ptr(self):
        return self.flags["use_multimask_token_for_obj_ptr"]

    @property
    def no_obj_ptr(self):
        return torch.from_numpy(self.const["no_obj_ptr"].copy())

    @property
    def image_size(self):
        return self.size

    def upsample(self, low):
        return F.interpolate(low, size=(self.size, self.size), mode="bilinear", align_corners=False)

    def encode_memory(self, t, out, from_points):
        high = self.upsample(out["low"])
        if self.flags["binarize_mask_from_pts_for_mem_enc"] and from_points:
            mask = (high > 0).float()
        else:
            mask = torch.sigmoid(high)
        mask = mask * self.flags["sigmoid_scale_for_mem_enc"] + self.flags["sigmoid_bias_for_mem_enc"]
        feats, pos = self.sessions["memory_encoder"].run(None, {
            "pix_feat": self.frame_features(t)["feat"], "mask_for_mem": mask.numpy(),
            "object_score_logits": np.array([[out["score"]]], np.float32)})
        out["maskmem"], self.maskmem_pos = bf16_round(feats), pos

    def add_points(self, obj, t, coords, labels):
        f = self.frame_features(t)
        feat = f["feat"] + self.const["no_mem_embed"].reshape(1, -1, 1, 1)
        coords = np.asarray(coords, np.float32) / np.array([self.width, self.height], np.float32) * self.size
        n = len(labels)
        fl = self.flags
        multimask = fl["multimask_output_in_sam"] and fl["multimask_min_pt_num"] <= n <= fl["multimask_max_pt_num"]
        out = self.select(self.heads(feat, f, coords, labels), multimask)
        out["from_points"] = True
        obj["cond"][t] = out
        return out

    def add_mask(self, obj, t, mask_video_res):
        s = self.size
        m = torch.from_numpy(mask_video_res.astype(np.float32))[None, None]
        m = (F.interpolate(m, size=(s, s), mode="bilinear", align_corners=False, antialias=True) >= 0.5).float()
        high = m * self.flags["mask_as_output_scale"] + self.flags["mask_as_output_bias"]
        low = F.interpolate(high, size=(s // 4, s // 4), mode="bilinear", align_corners=False, antialias=True)
        f = self.frame_features(t)
        raw = self.heads(f["feat"], f, [[0.0, 0.0]], [-1], mask_input=m.numpy())
        present = bool((m > 0).any())
        ptr = raw[2][:, 0] if present else self.no_obj_ptr.reshape(1, -1)
        score = self.flags["mask_as_output_scale"] * float(present) + self.flags["mask_as_output_bias"]
        out = {"low": low, "ptr": ptr, "score": score, "chosen": -1, "from_points": True}
        obj["cond"][t] = out
        return out

    def preflight(self, objects):
        for obj in objects:
            for t, out in obj["cond"].items():
                if "maskmem" not in out:  # official preflight: always is_mask_from_pts=True here
                    self.encode_memory(t, out, from_points=True)
                obj["non_cond"].pop(t, None)

    def track(self, obj, t, reverse):
        fl = self.flags
        f = self.frame_features(t)
        c, cm, hw = self.manifest["hidden_dim"], self.manifest["mem_dim"], self.manifest["feat_size"] ** 2
        num_maskmem = fl["num_maskmem"]
        mems = [(0, out) for out in obj["cond"].values()]
        for t_pos in range(1, num_maskmem):
            t_rel = num_maskmem - t_pos
            prev = t + t_rel if reverse else t - t_rel
            if prev in obj["non_cond"]:
                mems.append((t_pos, obj["non_cond"][prev]))
        memory, memory_pos = [], []
        pos_spatial = self.maskmem_pos.reshape(cm, hw).T
        for t_pos, out in mems:
            memory.append(out["maskmem"].reshape(cm, hw).T)
            memory_pos.append(pos_spatial + self.const["maskmem_tpos_enc"][num_maskmem - t_pos - 1])
        max_ptrs = min(self.num_frames, fl["max_obj_ptrs_in_encoder"])
        sign = -1 if reverse else 1
        ptrs = [((t - u) * sign, out["ptr"]) for u, out in obj["cond"].items() if (u >= t if reverse else u <= t)]
        for t_diff in range(1, max_ptrs):
            u = t - t_diff * sign
            if u < 0 or u >= self.num_frames:
                break
            if u in obj["non_cond"]:
                ptrs.append((t_diff, obj["non_cond"][u]["ptr"]))
        n_ptr_tokens = 0
        if ptrs:
            positions = np.array([p for p, _ in ptrs], np.float32) / np.float32(max_ptrs - 1)
            pe = sine_pe_1d(positions, c) @ self.const["obj_ptr_tpos_proj_weight"].T + self.const["obj_ptr_tpos_proj_bias"]
            split = c // cm
            for (_, ptr), pos in zip(ptrs, pe):
                memory.append(ptr.numpy().reshape(split, cm))
                memory_pos.append(np.repeat(pos[None], split, axis=0))
            n_ptr_tokens = len(ptrs) * split
        memory = np.concatenate(memory).astype(np.float32)[:, None]
        memory_pos = np.concatenate(memory_pos).astype(np.float32)[:, None]
        curr = f["feat"].reshape(c, hw).T[:, None].copy()
        curr_pos = f["pos"].reshape(c, hw).T[:, None].copy()
        pix = self.sessions["memory_attention"].run(None, {
            "curr": curr, "curr_pos": curr_pos, "memory": memory, "memory_pos": memory_pos,
            "num_obj_ptr_tokens": np.array([n_ptr_tokens], np.int64)})[0]
        multimask = fl["multimask_output_in_sam"] and fl["multimask_output_for_tracking"] and \
            fl["multimask_min_pt_num"] <= 0 <= fl["multimask_max_pt_num"]
        out = self.select(self.heads(pix, f, [[0.0, 0.0]], [-1]), multimask)
        self.encode_memory(t, out, from_points=False)
        obj["non_cond"][t] = out
        return out

    def video_res(self, low):
        return F.interpolate(low, size=(self.height, self.width), mode="bilinear", align_corners=False)[0, 0]


def cmd_replay(args):
    """Replays fixture.json with OnnxVideoEngine and compares every record with the official outputs."""
    import gzip
    import nibabel as nib

    fixture_dir = Path(args.fixture)
    fixture = json.loads((fixture_dir / "fixture.json").read_text())

    def load(key, dtype):
        name, shape = fixture["files"][key]
        return np.frombuffer(gzip.decompress((fixture_dir / name).read_bytes()), dtype=dtype).reshape(shape)

    volume = np.asarray(nib.load(REPO_ROOT / fixture["volume"]).dataobj).astype(np.float32)
    images = axial_frames(volume, fixture["image_size"], fixture["window"]).numpy()
    print(f"frame 0 preprocessing max-abs vs fixture: {_maxabs(images[0], load('frame0_input', '<f4')):.2e}")
    engine = OnnxVideoEngine(REPO_ROOT / fixture["model"], images, fixture["video_height"], fixture["video_width"])
    masks = load("mask_prompts", np.uint8)
    ids = sorted({p["obj_id"] for p in fixture["prompts"]})
    objects = {i: {"cond": {}, "non_cond": {}} for i in ids}
    for p in fixture["prompts"]:
        obj = objects[p["obj_id"]]
        if p["type"] == "points":
            engine.add_points(obj, p["frame"], p["points"], p["labels"])
        elif p["type"] == "box":
            b = p["box"]
            engine.add_points(obj, p["frame"], [[b[0], b[1]], [b[2], b[3]]], [2, 3])
        else:
            engine.add_mask(obj, p["frame"], masks[p["mask_index"]] > 0)
    low_ref, video_ref = load("low_res_logits", "<f4"), load("video_res_logits", "<f4")
    records = iter(fixture["records"])
    worst = {"low": 0.0, "video": 0.0, "score": 0.0}
    mismatches = 0
    prompted = sorted({p["frame"] for p in fixture["prompts"]})
    for reverse in (False, True):
        engine.preflight(objects.values())
        frames = range(prompted[-1], -1, -1) if reverse else range(prompted[0], engine.num_frames)
        for t in frames:
            for i in ids:
                obj = objects[i]
                out = obj["cond"][t] if t in obj["cond"] else engine.track(obj, t, reverse)
                rec = next(records)
                assert (rec["frame"], rec["obj_id"]) == (t, i), (rec, t, i)
                worst["low"] = max(worst["low"], _maxabs(out["low"][0, 0], low_ref[rec["low_res_index"]]))
                worst["score"] = max(worst["score"], abs(out["score"] - rec["object_score"]))
                if rec["video_res_index"] >= 0:
                    worst["video"] = max(worst["video"], _maxabs(engine.video_res(out["low"]),
                                                                 video_ref[rec["video_res_index"]]))
                if out["chosen"] != rec["chosen_mask"] or (out["score"] > 0) != (rec["object_score"] > 0):
                    mismatches += 1
    print(f"replayed {len(fixture['records'])} records: max-abs low-res {worst['low']:.2e}, video-res "
          f"{worst['video']:.2e}, score {worst['score']:.2e}; decision mismatches {mismatches}; "
          f"image-encoder runs {engine.encoder_runs} for {engine.num_frames} frames")
    if mismatches or max(worst["low"], worst["video"]) > args.tol:
        raise SystemExit("replay does not match the fixture")



def main(argv=None):
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    micro = sub.add_parser("micro", help="tiny random-weight SAM2.1 for tests and demos")
    micro.add_argument("--out", default=str(REPO_ROOT / "models" / "sam2-micro"))
    micro.add_argument("--tol", type=float, default=1e-4)
    micro.set_defaults(func=cmd_micro)
    exp = sub.add_parser("export", help="a real SAM2.1 config with a checkpoint or random weights")
    exp.add_argument("--config", required=True, help="e.g. sam2.1_hiera_t.yaml (or configs/sam2.1/...)")
    exp.add_argument("--checkpoint", help="official .pt checkpoint")
    exp.add_argument("--random-weights", action="store_true", help="real architecture, random weights")
    exp.add_argument("--out", required=True)
    exp.add_argument("--seed", type=int, default=0)
    exp.add_argument("--tol", type=float, default=1e-3)
    exp.set_defaults(func=cmd_export)
    fix = sub.add_parser("fixtures", help="official video predictor outputs on CT frames with the micro model")
    fix.add_argument("--out", default=str(FIXTURE_DIR))
    fix.set_defaults(func=cmd_fixtures)
    rep = sub.add_parser("replay", help="replay the fixtures with the ONNX graphs + caller-side rules")
    rep.add_argument("--fixture", default=str(FIXTURE_DIR))
    rep.add_argument("--tol", type=float, default=1e-3)
    rep.set_defaults(func=cmd_replay)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
