"""Times the reference DICOM readers on a synthetic CT series, for benchmarks/run dicom (never run in tests).

Usage: tools/.venv/bin/python tools/dicom/bench.py DIR [COLUMNSxROWSxSLICES] [REPEATS]
Writes the series into DIR unless it already holds one (one explicit VR little-endian Part 10 file per slice,
unsigned 16-bit pixels with RescaleIntercept -1024, as most scanners store CT), then prints one JSON line with the
best of REPEATS wall times in seconds: pydicom (read every file, sort along the normal, stack as float32 HU) and
dcm2niix (convert the folder to an uncompressed NIfTI, the process's wall time).
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian

ROOT = "1.2.826.0.1.3680043.10.1561.9"
DCM2NIIX = str(Path(sys.executable).with_name("dcm2niix"))


def synthesize(folder, columns, rows, slices):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    for k in range(slices):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
        ds.file_meta.MediaStorageSOPInstanceUID = f"{ROOT}.4.{k + 1}"
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
        ds.Modality = "CT"
        ds.PatientName = "Bench^Dicom"
        ds.PatientID = "BENCH"
        ds.StudyInstanceUID = f"{ROOT}.1"
        ds.SeriesInstanceUID = f"{ROOT}.2"
        ds.FrameOfReferenceUID = f"{ROOT}.3"
        ds.SeriesNumber = 1
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [-250.0, -250.0, -600.0 + 1.5 * k]
        ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        ds.PixelSpacing = [0.9765625, 0.9765625]
        ds.SliceThickness = 1.5
        ds.Rows, ds.Columns = rows, columns
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        ds.PixelData = rng.integers(0, 4095, size=(rows, columns), dtype=np.uint16).tobytes()
        ds.save_as(folder / f"IM{k:05d}", enforce_file_format=True)


def read_pydicom(folder):
    slices = [pydicom.dcmread(f) for f in sorted(folder.iterdir())]
    iop = np.array(slices[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    slices.sort(key=lambda s: float(np.dot(np.array(s.ImagePositionPatient, dtype=float), normal)))
    return np.stack([(s.pixel_array * float(s.RescaleSlope) + float(s.RescaleIntercept)).astype(np.float32).T
                     for s in slices], axis=2)


def best(repeats, run):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    folder = Path(sys.argv[1])
    columns, rows, slices = (int(v) for v in (sys.argv[2] if len(sys.argv) > 2 else "512x512x300").split("x"))
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    if not folder.exists() or len(list(folder.iterdir())) != slices:
        synthesize(folder, columns, rows, slices)
    pydicom_s = best(repeats, lambda: read_pydicom(folder))
    with tempfile.TemporaryDirectory() as out:
        dcm2niix_s = best(repeats, lambda: subprocess.run(
            [DCM2NIIX, "-b", "n", "-z", "n", "-f", "bench", "-o", out, str(folder)], check=True,
            capture_output=True))
    print(json.dumps(dict(pydicom_s=pydicom_s, dcm2niix_s=dcm2niix_s, pydicom=pydicom.__version__)))


if __name__ == "__main__":
    main()
