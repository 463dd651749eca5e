#!/usr/bin/env bash
# Prepares tools/bench/.wheels for tools/bench/gpu_anchor.sh: sam2 1.1.0 and the packages it needs besides torch,
# for CPython 3.12 on x86-64 Linux (the borrowed GPU machines have PyTorch but reach no package index). Run here,
# where PyPI is reachable, after making the tools venv (docs/development.md); carry .wheels to the GPU machine.
set -euo pipefail
cd "$(dirname "$0")"
out=.wheels
rm -rf "$out"
mkdir -p "$out"
# binary wheels for the GPU machine's Python, whatever this machine runs
../.venv/bin/pip download -q --no-deps --only-binary=:all: --implementation cp --python-version 3.12 --abi cp312 \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$out" \
  numpy==2.3.4 pillow==13.0.0 PyYAML==6.0.4
# pure Python (two of them exist only as source: built into py3 wheels here)
../.venv/bin/pip wheel -q --no-deps -w "$out" hydra-core==1.3.8 omegaconf==2.3.1 antlr4-python3-runtime==4.9.3 \
  iopath==0.1.10 portalocker==4.4.2 tqdm==4.70.1
# without its CUDA extension (hole filling), as TriPlane's fixtures are made; torch from the venv builds it
SAM2_BUILD_CUDA=0 ../.venv/bin/pip wheel -q --no-deps --no-build-isolation -w "$out" sam2==1.1.0
ls -l "$out"
