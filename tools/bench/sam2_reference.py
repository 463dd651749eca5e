"""Reference side of the SAM2 engine benchmark (benchmarks/Sam2Benchmark): the official SAM2VideoPredictor.

Usage (repository root, the tools venv with sam2==1.1.0):
  sam2_reference.py CONFIG FRAMES STRUCTURES [THREADS]
      builds the official predictor for CONFIG (e.g. sam2.1_hiera_t.yaml) with random weights (timing only:
      same architecture and cost as the real checkpoint), feeds the axial frames of samples/example_ct_sm.nii.gz
      repeated to FRAMES, preprocessed as TriPlane does, prompts each structure with one click on frame 0 (as
      the Java benchmark does) and prints one JSON object: ms per frame of propagate_in_video (forward pass,
      prompts excluded) and the peak resident memory in MiB. The official predictor holds every frame's input
      tensor (3 x S x S float32) in memory, so memory grows with FRAMES on its side.
"""
import json
import resource
import sys
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tools" / "sam2_export"))
import export  # noqa: E402  (the exporter's model builder and frame preprocessing)


def main(argv):
    config, frames, structures = argv[0], int(argv[1]), int(argv[2])
    torch.set_num_threads(int(argv[3]) if len(argv) > 3 and int(argv[3]) > 0 else torch.get_num_threads())
    import sam2.sam2_video_predictor as video_predictor

    torch.manual_seed(0)
    model = export.build_model(config, None)
    volume = np.asarray(nib.load(REPO_ROOT / "samples" / "example_ct_sm.nii.gz").dataobj).astype(np.float32)
    axial = export.axial_frames(volume, model.image_size, (-1000.0, 1000.0))
    images = axial[torch.arange(frames) % axial.shape[0]]
    height, width = volume.shape[1], volume.shape[0]
    video_predictor.load_video_frames = lambda **kwargs: (images, height, width)
    with torch.inference_mode():
        state = model.init_state("frames are injected")
        for i in range(structures):
            model.add_new_points_or_box(state, 0, i + 1, points=np.array([[width / 2 + 3 * i, height / 2]],
                                                                       np.float32),
                                        labels=np.array([1], np.int32))
        start = time.perf_counter()
        count = 0
        for _ in model.propagate_in_video(state):
            count += 1
        elapsed = time.perf_counter() - start
    print(json.dumps({"config": config, "frames": count, "structures": structures,
                      "threads": torch.get_num_threads(), "ms_per_frame": 1000 * elapsed / count,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main(sys.argv[1:])
