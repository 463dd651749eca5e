"""Writes the DICOM reader fixtures: small CT series made from NIfTI volumes with pydicom, dcm2niix's conversion
of each, and cases.json with what the reference tools give.

Run from the repository root (after pip install -r tools/dicom/requirements.txt):
    tools/.venv/bin/python tools/dicom/cases.py
Output: core/src/test/resources/fixtures/dicom/ (deterministic: fixed seed and fixed UIDs).

Each good case is a nibabel image (voxels and a RAS+ affine) written as one Part 10 file per k slice: the affine's
i column gives the row cosines and column spacing, j the column cosines and row spacing, k the step between
ImagePositionPatient values. The oracles are computed from the files as pydicom reads them back: the float64
affine of the series sorted along the slice normal (column i, row j, slice k; LPS turned to RAS+), the voxels as
float32 rescaled in float64 (pixel_array * RescaleSlope + RescaleIntercept), flat with i fastest (gzipped), and dcm2niix's
NIfTI of the same files (float32 affine, its own voxel order). Bad cases break one rule each and name the reason
TriPlane must give.
"""

import gzip
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import nibabel as nib
import imagecodecs
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import (
    CTImageStorage,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLossless,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from nifti_cases import rotation  # noqa: E402  (one rotation for both fixture scripts)

OUT = Path("core/src/test/resources/fixtures/dicom")
SHAPE = (16, 12, 8)  # columns (i), rows (j), slices (k)
RNG = np.random.default_rng(20261207)
ROOT = "1.2.826.0.1.3680043.10.1561"  # UID root for these fixtures only
DCM2NIIX = str(Path(sys.executable).with_name("dcm2niix"))


def ras_affine(directions, spacing, origin_lps):
    """A RAS+ affine whose LPS columns are directions (3x3, unit columns) times spacing, at an LPS origin."""
    lps = np.eye(4)
    lps[:3, :3] = np.asarray(directions, dtype=float) @ np.diag(spacing)
    lps[:3, 3] = origin_lps
    return np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps


def ds_text(x):
    """A DS value of at most 16 characters, as scanners write them."""
    return float(f"{x:.10g}"[:16])


AXIAL = np.eye(3)
CORONAL = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=float).T  # i along x, j along -z (IOP 1,0,0,0,0,-1), k along y
OBLIQUE = rotation([1, 2, 3], 0.4)


def stored(dtype, lo, hi):
    return RNG.integers(lo, hi, size=SHAPE, endpoint=True).astype(dtype)


# name, nibabel image (stored values, RAS+ affine), encoding and pixel module
GOOD = [
    dict(name="axial_lps", image=nib.Nifti1Image(stored(np.int16, -1024, 3071), ras_affine(AXIAL, [0.7, 0.7, 2.5], [-120.5, -98.25, -310.0])),
         syntax=ExplicitVRLittleEndian, bits=16, stored_bits=16, signed=True, slope=1.0, intercept=0.0),
    dict(name="implicit_uint12_rescale", image=nib.Nifti1Image(stored(np.uint16, 0, 4095), ras_affine(AXIAL, [0.8, 0.75, 1.25], [10.0, 20.0, 30.0])),
         syntax=ImplicitVRLittleEndian, bits=16, stored_bits=12, signed=False, slope=1.0, intercept=-1024.0),
    dict(name="reversed_slices", image=nib.Nifti1Image(stored(np.int16, -1000, 2000), ras_affine(AXIAL @ np.diag([1, 1, -1]), [0.9, 0.9, 3.0], [-50.0, 60.0, 80.0])),
         syntax=ExplicitVRLittleEndian, bits=16, stored_bits=16, signed=True, slope=1.0, intercept=0.0),
    dict(name="oblique_rescale", image=nib.Nifti1Image(stored(np.int16, 0, 4000), ras_affine(OBLIQUE, [0.6, 0.65, 2.0], [-90.5, 120.0, 33.3])),
         syntax=ExplicitVRLittleEndian, bits=16, stored_bits=16, signed=True, slope=0.5, intercept=-1000.0),
    dict(name="coronal", image=nib.Nifti1Image(stored(np.int16, -1024, 1500), ras_affine(CORONAL, [0.8, 1.5, 4.0], [-60.0, -20.0, 90.0])),
         syntax=ExplicitVRLittleEndian, bits=16, stored_bits=16, signed=True, slope=1.0, intercept=0.0),
    dict(name="uint8_rescale", image=nib.Nifti1Image(stored(np.uint8, 0, 255), ras_affine(AXIAL, [1.0, 1.0, 5.0], [0.0, 0.0, 0.0])),
         syntax=ExplicitVRLittleEndian, bits=8, stored_bits=8, signed=False, slope=8.0, intercept=-1024.0),
    dict(name="int8", image=nib.Nifti1Image(stored(np.int8, -128, 127), ras_affine(AXIAL, [1.2, 1.1, 3.0], [30.0, -40.0, 5.0])),
         syntax=ImplicitVRLittleEndian, bits=8, stored_bits=8, signed=True, slope=10.0, intercept=0.0,
         # dcm2niix 1.0.20260724 reads 8-bit pixels as unsigned whatever PixelRepresentation says: pydicom only
         dcm2niix=False),
    # scanners may rescale each slice differently: values must follow each slice's own slope and intercept
    dict(name="per_slice_rescale", image=nib.Nifti1Image(stored(np.int16, 0, 3000), ras_affine(AXIAL, [0.7, 0.7, 2.5], [-1.0, 2.0, -3.0])),
         syntax=ExplicitVRLittleEndian, bits=16, stored_bits=16, signed=True, slope=[1.0, 1.0, 0.5, 0.5, 2.0, 2.0, 1.0, 0.25],
         intercept=[-1024.0, -1000.0, -1024.0, -512.0, -2048.0, -1024.0, -1024.0, 0.0]),
    dict(name="big_endian", image=nib.Nifti1Image(stored(np.int16, -1024, 3071), ras_affine(rotation([0, 0, 1], 0.2), [0.7, 0.7, 2.0], [-5.0, 7.5, -12.0])),
         syntax=ExplicitVRBigEndian, bits=16, stored_bits=16, signed=True, slope=1.0, intercept=0.0),
    # encapsulated JPEG Lossless (process 14; liblj92 uses predictor 6), decoded by pydicom through pylibjpeg-libjpeg
    dict(name="jpeg_lossless", image=nib.Nifti1Image(stored(np.uint16, 0, 4095), ras_affine(OBLIQUE, [0.75, 0.75, 1.5], [12.0, -34.0, 56.0])),
         syntax=JPEGLossless, bits=16, stored_bits=12, signed=False, slope=1.0, intercept=-1024.0),
    dict(name="deflated", image=nib.Nifti1Image(stored(np.int16, -1024, 3071), ras_affine(AXIAL, [0.5, 0.5, 1.0], [100.0, -100.0, 50.0])),
         syntax=DeflatedExplicitVRLittleEndian, bits=16, stored_bits=16, signed=True, slope=1.0, intercept=0.0),
]


def slice_datasets(case, series_no):
    """One pydicom data set per k slice of the case's image."""
    img = case["image"]
    data = np.asarray(img.dataobj)
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ img.affine
    col_spacing = np.linalg.norm(lps[:3, 0])
    row_spacing = np.linalg.norm(lps[:3, 1])
    iop = np.concatenate([lps[:3, 0] / col_spacing, lps[:3, 1] / row_spacing])
    study = f"{ROOT}.1.{series_no}"
    series = f"{ROOT}.2.{series_no}"
    frame = f"{ROOT}.3.{series_no}"
    out = []
    for k in range(data.shape[2]):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
        ds.file_meta.MediaStorageSOPInstanceUID = f"{ROOT}.4.{series_no}.{k + 1}"
        ds.file_meta.TransferSyntaxUID = case["syntax"]
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
        ds.Modality = "CT"
        ds.PatientName = "Fixture^Dicom"
        ds.PatientID = "FIXTURE"
        ds.StudyInstanceUID = study
        ds.SeriesInstanceUID = series
        ds.FrameOfReferenceUID = frame
        ds.SeriesNumber = series_no
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [ds_text(v) for v in lps[:3, 3] + k * lps[:3, 2]]
        ds.ImageOrientationPatient = [ds_text(v) for v in iop]
        ds.PixelSpacing = [ds_text(row_spacing), ds_text(col_spacing)]
        ds.SliceThickness = ds_text(np.linalg.norm(lps[:3, 2]))
        # sequences the reader must skip: one of undefined length with an undefined-length item, one defined
        code = Dataset()
        code.CodeValue = "CTABD"
        code.CodingSchemeDesignator = "99FIXTURE"
        code.CodeMeaning = "CT abdomen"
        ds.ProcedureCodeSequence = Sequence([code])
        ds["ProcedureCodeSequence"].is_undefined_length = True
        ref = Dataset()
        ref.ReferencedSOPClassUID = CTImageStorage
        ref.ReferencedSOPInstanceUID = f"{ROOT}.4.{series_no}.{(k + 1) % data.shape[2] + 1}"
        ds.ReferencedImageSequence = Sequence([ref])
        ds.add_new(0x00091010, "LO", "private value the reader skips")
        ds.Rows = data.shape[1]
        ds.Columns = data.shape[0]
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = case["bits"]
        ds.BitsStored = case["stored_bits"]
        ds.HighBit = case["stored_bits"] - 1
        ds.PixelRepresentation = 1 if case["signed"] else 0
        ds.RescaleIntercept = case["intercept"][k] if isinstance(case["intercept"], list) else case["intercept"]
        ds.RescaleSlope = case["slope"][k] if isinstance(case["slope"], list) else case["slope"]
        pixels = data[:, :, k].T  # rows x columns
        dtype = {(8, False): "u1", (8, True): "i1", (16, False): "u2", (16, True): "i2"}[(case["bits"], case["signed"])]
        order = ">" if case["syntax"] == ExplicitVRBigEndian else "<"
        if case["syntax"] == JPEGLossless:
            jpeg = imagecodecs.ljpeg_encode(np.ascontiguousarray(pixels).astype(np.uint16), bitspersample=case["stored_bits"])
            ds.PixelData = encapsulate([jpeg])
            ds["PixelData"].VR = "OB"
            ds["PixelData"].is_undefined_length = True
        else:
            ds.PixelData = np.ascontiguousarray(pixels).astype(order + dtype).tobytes()
            ds["PixelData"].VR = "OB" if case["bits"] == 8 else "OW"
        out.append(ds)
    return out


def write_series(datasets, folder, names=None):
    folder.mkdir(parents=True)
    for n, ds in enumerate(datasets):
        name = names[n] if names else f"IM{n:04d}"
        ds.save_as(folder / name, enforce_file_format=True)


def pydicom_oracle(folder):
    """The float64 affine (RAS+) and float32 voxels of a series as pydicom reads it, sorted along the normal."""
    slices = [pydicom.dcmread(f) for f in sorted(folder.iterdir())]
    iop = np.array(slices[0].ImageOrientationPatient, dtype=float)
    row, col = iop[:3], iop[3:]
    normal = np.cross(row, col)
    slices.sort(key=lambda s: float(np.dot(np.array(s.ImagePositionPatient, dtype=float), normal)))
    first = np.array(slices[0].ImagePositionPatient, dtype=float)
    last = np.array(slices[-1].ImagePositionPatient, dtype=float)
    step = (last - first) / (len(slices) - 1)
    spacing = np.array(slices[0].PixelSpacing, dtype=float)
    lps = np.eye(4)
    lps[:3, 0] = row * spacing[1]
    lps[:3, 1] = col * spacing[0]
    lps[:3, 2] = step
    lps[:3, 3] = first
    affine = np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps
    planes = [s.pixel_array.astype(np.float64) * float(s.RescaleSlope) + float(s.RescaleIntercept) for s in slices]
    volume = np.stack([p.T for p in planes], axis=2).astype(np.float32)  # columns x rows x slices
    return affine, [float(spacing[1]), float(spacing[0]), float(np.linalg.norm(step))], volume


def dcm2niix(folder, name):
    """dcm2niix's NIfTI of a series (no BIDS sidecar, not compressed), or None when it converts nothing."""
    target = OUT / "dcm2niix"
    target.mkdir(exist_ok=True)
    result = subprocess.run([DCM2NIIX, "-b", "n", "-z", "n", "-f", name, "-o", str(target), str(folder)],
                            capture_output=True, text=True)
    produced = target / f"{name}.nii"
    if result.returncode != 0 or not produced.exists():
        print(f"dcm2niix did not convert {name}: {result.stdout[-400:]} {result.stderr[-400:]}")
        return None
    return produced


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    cases = []
    for n, case in enumerate(GOOD, start=1):
        datasets = slice_datasets(case, n)
        names = None
        if case["name"] == "reversed_slices":
            names = [f"IM{len(datasets) - 1 - k:04d}" for k in range(len(datasets))]  # files listed against z
        folder = OUT / "series" / case["name"]
        write_series(datasets, folder, names)
        affine, spacing, volume = pydicom_oracle(folder)
        with gzip.GzipFile(OUT / f"{case['name']}.f32.gz", "wb", mtime=0) as f:
            f.write(volume.reshape(-1, order="F").astype("<f4").tobytes())
        converted = dcm2niix(folder, case["name"]) if case.get("dcm2niix", True) else None
        cases.append(dict(name=case["name"], transferSyntax=str(case["syntax"]), shape=list(volume.shape),
                          spacing=spacing, affine=affine.reshape(-1).tolist(),
                          dcm2niix=None if converted is None else converted.relative_to(OUT).as_posix()))

    base = GOOD[0]
    bad = []

    def bad_case(name, reason, datasets, names=None):
        write_series(datasets, OUT / "bad" / name, names)
        bad.append(dict(name=name, reason=reason))

    ds = slice_datasets(base, 101)
    ds[5].SeriesInstanceUID = f"{ROOT}.2.999"
    bad_case("mixed_series", "DICOM_MIXED_SERIES", ds)
    ds = slice_datasets(base, 102)
    bad_case("missing_slice", "DICOM_MISSING_SLICE", ds[:4] + ds[5:])
    ds = slice_datasets(base, 103)
    extra = slice_datasets(base, 103)[3]
    extra.SOPInstanceUID = extra.file_meta.MediaStorageSOPInstanceUID = f"{ROOT}.4.103.99"
    bad_case("duplicate_slice", "DICOM_DUPLICATE_SLICE", ds + [extra])
    ds = slice_datasets(base, 104)
    ds[5].ImagePositionPatient = [ds[5].ImagePositionPatient[0], ds[5].ImagePositionPatient[1],
                                  ds_text(float(ds[5].ImagePositionPatient[2]) + 0.8)]
    bad_case("uneven_spacing", "DICOM_UNEVEN_SPACING", ds)
    ds = slice_datasets(base, 105)
    for k, d in enumerate(ds):  # each slice 0.3 mm further along y: a 6.8 degree tilt over 2.5 mm slices
        p = [float(v) for v in d.ImagePositionPatient]
        d.ImagePositionPatient = [p[0], ds_text(p[1] + 0.3 * k), p[2]]
        d.GantryDetectorTilt = 6.8
    bad_case("gantry_tilt", "DICOM_GANTRY_TILT", ds)
    ds = slice_datasets(base, 106)
    for d in ds:
        d.Modality = "MR"
    bad_case("not_ct", "DICOM_NOT_CT", ds)
    ds = slice_datasets(base, 107)[:1]
    ds[0].file_meta.TransferSyntaxUID = JPEG2000Lossless
    ds[0].PixelData = encapsulate([b"\xff\x4f\xff\x51 not a real codestream \xff\xd9"])
    ds[0]["PixelData"].VR = "OB"
    ds[0]["PixelData"].is_undefined_length = True
    bad_case("jpeg2000", "DICOM_UNSUPPORTED_SYNTAX", ds)

    (OUT / "cases.json").write_text(json.dumps(dict(good=cases, bad=bad), indent=1) + "\n")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"{len(cases)} good and {len(bad)} bad cases, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
