"""GPU anchors for the cost model in docs/benchmarks.md: the official SAM2VideoPredictor (sam2 1.1.0) timed on the
three axes of a clinical-size CT, with SAM2.1 shapes and fixed random weights (same cost as released weights).

Meant for a borrowed GPU machine that has PyTorch but cannot fetch anything: tools/bench/gpu_anchor.sh installs
the wheels tools/bench/gpu_wheels.sh prepared and runs this script. It also runs on a CPU with a small --shape,
which is how it is checked on the project machine.

  gpu_anchor.py [--shape 512x512x300] [--structures 1,10] [--config configs/sam2.1/sam2.1_hiera_t.yaml]
                [--device cuda] [--autocast none|bfloat16] [--budget-s 420] [--out FILE]

For each structure count and each axis (the volume read as a video along x, y and z): init_state, one click
per structure on frame 0, propagate_in_video over every frame. Reports per axis and in total: ms per frame,
frames per second, ms per frame of the four parts TriPlane exports as ONNX graphs (image encoder, memory
attention, SAM heads, memory encoder; each timed between device synchronisations) and the peak GPU memory.
Runs stop early, marked "partial", when the budget is spent.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars from propagate_in_video

import torch
import torch.nn.functional as F

from sam2_parts import PARTS, timed_parts

# SAM2's normalisation and the CT window TriPlane uses (docs/method.md, frame preprocessing)
IMAGE_MEAN = (0.485, 0.456, 0.406)
IMAGE_STD = (0.229, 0.224, 0.225)
WINDOW = (-1000.0, 1000.0)


def synthetic_ct(shape, seed):
    """An int16-range CT of the given (x, y, z) shape: soft tissue noise, a body ellipse and a bright spine; the
    content does not change SAM2's cost, only its masks."""
    g = torch.Generator().manual_seed(seed)
    nx, ny, nz = shape
    x = torch.linspace(-1, 1, nx).view(nx, 1, 1)
    y = torch.linspace(-1, 1, ny).view(1, ny, 1)
    body = (x ** 2 / 0.8 + y ** 2 / 0.6) < 1
    spine = ((x ** 2 + (y - 0.4) ** 2) < 0.01).expand(nx, ny, nz)
    volume = torch.full((nx, ny, nz), -1000.0)
    volume = torch.where(body.expand(nx, ny, nz), 40 + 20 * torch.randn(nx, ny, nz, generator=g), volume)
    return torch.where(spine, torch.tensor(700.0), volume)


def frames_along(volume, axis, size, device):
    """The slices along axis as SAM2 frames (3 x size x size, normalised), built on device, kept in host memory
    (the predictor's offload_video_to_cpu): frame row = the slice's second index, column = its first."""
    lo, hi = WINDOW
    mean = torch.tensor(IMAGE_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGE_STD, device=device).view(1, 3, 1, 1)
    slices = volume.movedim(axis, 0)
    out = torch.empty((slices.shape[0], 3, size, size), dtype=torch.float32)
    for start in range(0, slices.shape[0], 32):
        chunk = slices[start:start + 32].to(device).transpose(1, 2)
        grey = ((chunk.clamp(lo, hi) - lo) / (hi - lo))[:, None].expand(-1, 3, -1, -1)
        resized = F.interpolate(grey, size=(size, size), mode="bilinear", align_corners=False)
        out[start:start + 32] = ((resized - mean) / std).cpu()
    return out, slices.shape[2], slices.shape[1]


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def propagate(model, predictor_module, frames, height, width, structures, device, deadline):
    """init_state + one click per structure on frame 0 + propagate_in_video; returns (frames done, seconds)."""
    predictor_module.load_video_frames = lambda **kwargs: (frames, height, width)
    synchronize(device)
    start = time.perf_counter()
    state = model.init_state("frames are injected", offload_video_to_cpu=True)
    for i in range(structures):
        point = [[width / 2 + 3 * i, height / 2]]
        model.add_new_points_or_box(state, 0, i + 1, points=torch.tensor(point), labels=torch.tensor([1]))
    done = 0
    for _ in model.propagate_in_video(state):
        done += 1
        if time.perf_counter() > deadline:
            break
    synchronize(device)
    seconds = time.perf_counter() - start
    model.reset_state(state)
    return done, seconds


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="512x512x300")
    parser.add_argument("--structures", default="1,10")
    parser.add_argument("--config", default="configs/sam2.1/sam2.1_hiera_t.yaml")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--autocast", default="none", choices=("none", "bfloat16"))
    parser.add_argument("--budget-s", type=float, default=420.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    deadline = began + args.budget_s
    device = torch.device(args.device)
    shape = tuple(int(n) for n in args.shape.split("x"))

    import sam2.sam2_video_predictor as predictor_module
    from sam2.build_sam import build_sam2_video_predictor

    torch.manual_seed(args.seed)
    # no checkpoint: the architecture's own initialisation, seeded; no hole filling (TriPlane's micro-model
    # fixtures are made without SAM2's CUDA extension too)
    model = build_sam2_video_predictor(args.config, None, device=str(device), apply_postprocessing=False)
    spent = timed_parts(model, lambda: synchronize(device))
    volume = synthetic_ct(shape, args.seed)
    context = (torch.autocast(device.type, dtype=torch.bfloat16) if args.autocast == "bfloat16"
               else torch.autocast(device.type, enabled=False))
    result = {"torch": torch.__version__, "device": torch.cuda.get_device_name(device) if device.type == "cuda"
              else "cpu", "config": args.config, "shape": list(shape), "autocast": args.autocast,
              "threads": torch.get_num_threads(), "runs": []}
    with torch.inference_mode(), context:
        warm, warm_h, warm_w = frames_along(volume[:, :, :4], 2, model.image_size, device)
        propagate(model, predictor_module, warm, warm_h, warm_w, 1, device, deadline)
        for structures in (int(s) for s in args.structures.split(",")):
            run = {"structures": structures, "axes": []}
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            for axis, name in enumerate(("x", "y", "z")):
                if time.perf_counter() > deadline:
                    run["partial"] = True
                    break
                frames, height, width = frames_along(volume, axis, model.image_size, device)
                before = dict(spent)
                done, seconds = propagate(model, predictor_module, frames, height, width, structures, device,
                                          deadline)
                run["axes"].append({"axis": name, "frames": done, "of": frames.shape[0], "s": seconds,
                                    "ms_per_frame": 1000 * seconds / done, "fps": done / seconds,
                                    "part_ms_per_frame": {p: (spent[p] - before[p]) / done for p in PARTS}})
                run["partial"] = run.get("partial", False) or done < frames.shape[0]
                del frames
            done = sum(a["frames"] for a in run["axes"])
            seconds = sum(a["s"] for a in run["axes"])
            run["total"] = {"frames": done, "s": seconds, "ms_per_frame": 1000 * seconds / max(done, 1),
                            "fps": done / seconds if seconds else 0.0,
                            "part_ms_per_frame": {p: sum(a["part_ms_per_frame"][p] * a["frames"]
                                                         for a in run["axes"]) / max(done, 1) for p in PARTS}}
            if device.type == "cuda":
                run["peak_gpu_mib"] = torch.cuda.max_memory_allocated(device) / 2 ** 20
                run["peak_gpu_reserved_mib"] = torch.cuda.max_memory_reserved(device) / 2 ** 20
            result["runs"].append(run)
            print(json.dumps(run), flush=True)
    result["wall_s"] = time.perf_counter() - began
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
