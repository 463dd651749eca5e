"""Reference side of the SAM2 engine benchmark (benchmarks/Sam2Benchmark): the official SAM2VideoPredictor.

Run by the Java benchmark as a child process (repository root, the tools venv with sam2==1.1.0):

  sam2_reference.py prepare OUT [--config sam2.1_hiera_t.yaml] [--seed 0]
      random weights of a real SAM2.1 architecture (same shapes and cost as the released checkpoint), saved as
      an official-format checkpoint OUT/checkpoint.pt and exported from that checkpoint to OUT by
      tools/sam2_export/export.py, so the PyTorch and the ONNX side run the same weights.

  sam2_reference.py run MODEL_DIR FRAMES STRUCTURES THREADS WARMUP [CHECKPOINT_FRAME ...]
      builds the official predictor with MODEL_DIR's weights (its checkpoint.pt, or the micro model's builder
      for models/sam2-micro), checks them against the exported constants, feeds FRAMES frames (the axial
      slices of samples/example_ct_sm.nii.gz reflected back and forth, preprocessed as TriPlane does),
      prompts each structure with one click on frame 0 and times init_state + prompts + propagate_in_video
      after a WARMUP-frame run. Prints one JSON object: ms of each frame (frame 0: init_state and the prompts
      up to its output) and of the four parts the ONNX graphs export within it (forward_image, memory_attention,
      _forward_sam_heads, _encode_new_memory: each a little wider than its graph, e.g. the memory encoder's
      mask preparation), the process's VmRSS at each CHECKPOINT_FRAME and its peak (ru_maxrss).

The frame order and the prompts must stay those of Sam2Benchmark.java.
"""
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars from propagate_in_video (read when tqdm loads)

import nibabel as nib
import numpy as np
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tools" / "sam2_export"))
import export  # noqa: E402  (the exporter's model builders and frame preprocessing)
from sam2_parts import PARTS, timed_parts  # noqa: E402

MICRO_MODEL = "sam2.1-micro-random"
WINDOW = (-1000.0, 1000.0)


def reflected(t, count):
    """Frame t of a video going back and forth over count slices: 0, 1, .., count-1, count-2, .., 1, 0, 1, .."""
    period = 2 * (count - 1)
    r = t % period if period > 0 else 0
    return r if r < count else period - r


def rss_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cmd_prepare(argv):
    out = Path(argv[0])
    config = argv[argv.index("--config") + 1] if "--config" in argv else "sam2.1_hiera_t.yaml"
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 0
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    checkpoint = out / "checkpoint.pt"
    torch.save({"model": export.build_model(config, None).state_dict()}, checkpoint)
    export.main(["export", "--config", config, "--checkpoint", str(checkpoint), "--out", str(out)])


def load_model(model_dir):
    manifest = json.loads((model_dir / "manifest.json").read_text())
    checkpoint = model_dir / "checkpoint.pt"
    if checkpoint.exists():
        model = export.build_model(manifest["config"], str(checkpoint))
    elif manifest["model"] == MICRO_MODEL:
        model = export.build_micro()
    else:
        raise SystemExit(f"{model_dir}: no checkpoint.pt to build the PyTorch side from")
    # the exported constants are model parameters: byte-equal ones show both sides hold the same weights
    with tempfile.TemporaryDirectory() as tmp:
        export.write_constants(model, Path(tmp), export.model_flags(model))
        for written in Path(tmp).glob("*.bin"):
            if written.read_bytes() != (model_dir / written.name).read_bytes():
                raise SystemExit(f"{model_dir / written.name} differs from the PyTorch model's weights")
    return model


def propagate(model, predictor_module, images, height, width, structures, checkpoints, spent):
    """init_state + one click per structure on frame 0 + propagate_in_video: ms per frame, and per frame each
    part's ms (frame 0: init_state and the prompts up to its output), RSS at checkpoints."""
    predictor_module.load_video_frames = lambda **kwargs: (images, height, width)
    rss = {}
    marks = []
    parts = []
    before = dict(spent)
    start = time.perf_counter()
    state = model.init_state("frames are injected")
    for i in range(structures):
        model.add_new_points_or_box(state, 0, i + 1, points=np.array([[width / 2 + 3 * i, height / 2]], np.float32),
                                    labels=np.array([1], np.int32))
    for frame, _, _ in model.propagate_in_video(state):
        marks.append(time.perf_counter())
        parts.append([spent[p] - before[p] for p in PARTS])
        before = dict(spent)
        if frame + 1 in checkpoints:
            rss[frame + 1] = rss_mib()
    times = np.diff(np.array([start] + marks)) * 1000
    return times.tolist(), parts, rss


def cmd_run(argv):
    model_dir = Path(argv[0])
    frames, structures, threads, warmup = (int(a) for a in argv[1:5])
    checkpoints = {int(a) for a in argv[5:]}
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    import sam2.sam2_video_predictor as predictor_module

    model = load_model(model_dir)
    spent = timed_parts(model)
    volume = np.asarray(nib.load(REPO_ROOT / "samples" / "example_ct_sm.nii.gz").dataobj).astype(np.float32)
    axial = export.axial_frames(volume, model.image_size, WINDOW)
    order = torch.tensor([reflected(t, axial.shape[0]) for t in range(frames)])
    height, width = volume.shape[1], volume.shape[0]
    with torch.inference_mode():
        if warmup > 0:
            propagate(model, predictor_module, axial[order[:warmup]], height, width, structures, set(), spent)
        ms, parts, rss = propagate(model, predictor_module, axial[order], height, width, structures, checkpoints,
                                   spent)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "frames": len(ms),
                      "ms": ms, "parts": list(PARTS), "part_ms": parts, "rss_mib": {str(k): v for k, v in sorted(rss.items())},
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    {"prepare": cmd_prepare, "run": cmd_run}[sys.argv[1]](sys.argv[2:])
