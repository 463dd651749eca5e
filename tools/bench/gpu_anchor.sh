#!/usr/bin/env bash
# Runs tools/bench/gpu_anchor.py on a GPU machine that has PyTorch but reaches no package index: installs the
# wheels tools/bench/gpu_wheels.sh prepared (sam2 and its pure-Python dependencies; what the system already has
# is kept) into a venv that sees the system's torch.
# Usage: tools/bench/gpu_anchor.sh OUT_DIR [gpu_anchor.py arguments]    (repository root or anywhere)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1
shift
mkdir -p "$out"
wheels=tools/bench/.wheels
ls "$wheels"/sam2-*.whl > /dev/null || { echo "no $wheels: run tools/bench/gpu_wheels.sh first" >&2; exit 1; }
venv=$(mktemp -d)/venv
python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install -q --no-index --find-links "$wheels" --no-deps \
  sam2 hydra-core omegaconf antlr4-python3-runtime iopath portalocker tqdm PyYAML pillow numpy
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
"$venv/bin/python" tools/bench/gpu_anchor.py --out "$out/gpu_anchor.json" "$@" 2>&1 | tee "$out/gpu_anchor.log"
