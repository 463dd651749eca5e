"""Reference side of the metrics benchmark (benchmarks/, MetricsBenchmark runs it in the same run).

Usage:
  metrics_reference.py make DIR          writes DIR/ref.nii.gz and DIR/pred.nii.gz, a 512x512x300 pair
                                         with anisotropic spacing (0.8, 0.8, 2.5) mm, and DIR/ct.nii.gz,
                                         an int16 CT-like volume on the same grid
  metrics_reference.py time CT PRED REF N
                                         prints one JSON object: per tool the values it computed and its
                                         median time in seconds over N runs
"""
import json
import sys
import time

import nibabel as nib
import numpy as np
import SimpleITK as sitk
from scipy import ndimage


def median_time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def surface(mask):
    # 6-connected border voxels; outside the volume counts as background (same rule as TriPlane).
    padded = np.pad(mask, 1)
    eroded = ndimage.binary_erosion(padded, structure=ndimage.generate_binary_structure(3, 1))
    return (padded & ~eroded)[1:-1, 1:-1, 1:-1]


def scipy_hd(pred, ref, spacing):
    sp, sr = surface(pred), surface(ref)
    to_ref = ndimage.distance_transform_edt(~sr, sampling=spacing)[sp]
    to_pred = ndimage.distance_transform_edt(~sp, sampling=spacing)[sr]
    hd = max(to_ref.max(), to_pred.max())
    hd95 = max(np.percentile(to_ref, 95), np.percentile(to_pred, 95))
    return float(hd), float(hd95)


SHAPE = (512, 512, 300)
SPACING = (0.8, 0.8, 2.5)


def make_inputs(out_dir):
    # An organ-sized blob with a wavy surface; the prediction is shifted and locally grown, so both
    # directed distances are non-trivial and no mask contains the other.
    x, y, z = np.meshgrid(*(np.arange(n, dtype=np.float32) * s for n, s in zip(SHAPE, SPACING)), indexing="ij")
    cx, cy, cz = (n * s / 2 for n, s in zip(SHAPE, SPACING))
    angle = np.arctan2(y - cy, x - cx)
    radius = 1 + 0.08 * np.sin(5 * angle) * np.cos(z / 40)
    ref = ((x - cx) / 120) ** 2 + ((y - cy) / 95) ** 2 + ((z - cz) / 260) ** 2 <= radius ** 2
    pred = np.roll(ref, (3, -2, 1), axis=(0, 1, 2))
    pred |= ((x - cx - 100) ** 2 + (y - cy) ** 2 + (z - cz) ** 2) <= 30 ** 2
    affine = np.diag([*SPACING, 1.0])
    for name, mask in (("ref", ref), ("pred", pred)):
        img = nib.Nifti1Image(mask.astype(np.uint8), affine)
        img.set_sform(affine, code=2)
        img.set_qform(None, code=0)
        nib.save(img, f"{out_dir}/{name}.nii.gz")
    # Tissue-like HU: the blob at soft-tissue values over air, plus scanner noise (it bounds compression
    # the way real CT does).
    rng = np.random.default_rng(7)
    hu = np.where(ref, 40, -1000).astype(np.int16) + rng.normal(0, 20, SHAPE).astype(np.int16)
    ct = nib.Nifti1Image(hu, affine)
    ct.set_sform(affine, code=2)
    ct.set_qform(None, code=0)
    nib.save(ct, f"{out_dir}/ct.nii.gz")


def time_tools(ct_path, pred_path, ref_path, repeats):
    read_s, _ = median_time(lambda: np.asarray(nib.load(ct_path).dataobj), repeats)
    pred_img = np.asarray(nib.load(pred_path).dataobj)
    ref_img = nib.load(ref_path)
    spacing = tuple(float(z) for z in ref_img.header.get_zooms()[:3])
    pred = pred_img > 0
    ref = np.asarray(ref_img.dataobj) > 0

    sitk_pred = sitk.ReadImage(pred_path, sitk.sitkUInt8)
    sitk_ref = sitk.ReadImage(ref_path, sitk.sitkUInt8)

    def sitk_hd():
        f = sitk.HausdorffDistanceImageFilter()
        f.Execute(sitk_pred, sitk_ref)
        return f.GetHausdorffDistance()

    sitk_s, sitk_value = median_time(sitk_hd, repeats)
    scipy_s, (scipy_hd_value, scipy_hd95) = median_time(lambda: scipy_hd(pred, ref, spacing), repeats)
    print(json.dumps({
        "nibabel_read_ct_s": read_s,
        "simpleitk": {"seconds": sitk_s, "hd": sitk_value, "threads": sitk.ProcessObject.GetGlobalDefaultNumberOfThreads()},
        "scipy": {"seconds": scipy_s, "hd": scipy_hd_value, "hd95_monai": scipy_hd95},
    }))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make_inputs(sys.argv[2])
    else:
        time_tools(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
