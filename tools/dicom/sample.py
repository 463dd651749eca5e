"""Writes samples/dicom/example_ct_sm/: the sample CT (samples/example_ct_sm.nii.gz) as a DICOM CT series, one
explicit VR little-endian Part 10 file per axial slice, so the quick start can drop a series into the bucket.

Run from the repository root (after pip install -r tools/dicom/requirements.txt):
    python tools/dicom/sample.py
The series is the NIfTI's own grid: column i, row j, slice k, so TriPlane reads it back onto exactly the grid of
samples/example_ct_sm.nii.gz and samples/example_seg.nii.gz serves as its reference labels. Deterministic (fixed
UIDs); the patient is a placeholder.
"""

from pathlib import Path

import nibabel as nib
import numpy as np
from pydicom.uid import ExplicitVRLittleEndian

from cases import slice_datasets, write_series

OUT = Path("samples/dicom/example_ct_sm")


def main():
    image = nib.load("samples/example_ct_sm.nii.gz")
    hu = np.asarray(image.dataobj).astype(np.int16)
    case = dict(name="example_ct_sm", image=nib.Nifti1Image(hu, image.affine), syntax=ExplicitVRLittleEndian,
                bits=16, stored_bits=16, signed=True, slope=1.0, intercept=0.0)
    datasets = slice_datasets(case, series_no=500)
    for ds in datasets:
        ds.PatientName = "Sample^Abdomen"
        ds.PatientID = "SAMPLE-1"
        ds.StudyDescription = "TriPlane sample CT"
        del ds.ReferencedImageSequence  # the fixtures' cross references exercise the reader, not wanted here
        del ds.ProcedureCodeSequence
        del ds[0x00091010]
    if OUT.exists():
        for f in OUT.iterdir():
            f.unlink()
        OUT.rmdir()
    write_series(datasets, OUT, names=[f"IM{k:04d}.dcm" for k in range(len(datasets))])
    print(f"{len(datasets)} slices, {sum(f.stat().st_size for f in OUT.iterdir())} bytes in {OUT}")


if __name__ == "__main__":
    main()
