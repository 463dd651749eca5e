"""Checks TriPlane's DICOM SEG writer against the reference tools and records the verdict the Java test asserts.

Run from the repository root, after DicomSegWriterTest wrote the SEGs (-Ddicom.seg.update=true):
    tools/.venv/bin/pip install -r tools/dicom/requirements.txt
    tools/dicom/ensure_dicom3tools.sh
    tools/.venv/bin/python tools/dicom/seg_check.py
Input: core/src/test/resources/fixtures/dicom/seg/<case>.dcm, the labels the writer was given (<case>-labels.raw,
uint16 little endian, i fastest) and the source series series/<case>/. Output: seg/verdict.json.

For each SEG: highdicom reads it and gives back, per source image (sorted here along the slice normal with
pydicom, independently of TriPlane's reader), the label volume, which must equal the labels exactly once each
segment is mapped back to its structure id by its SegmentLabel (the names of the code table); every frame's
ImagePositionPatient must be its referenced source image's, and the shared ImageOrientationPatient and
PixelSpacing the source's (1e-4 mm; DS text); highdicom's own volume of the SEG, brought back to the source grid
through world coordinates, must hold the same structures;
the segment codes must be the table's; dciodvfy (dicom3tools) must report no error.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom

FIXTURES = Path("core/src/test/resources/fixtures/dicom")
SEG_DIR = FIXTURES / "seg"
TABLE = Path("core/src/main/resources/dev/triplane/core/dicom/totalsegmentator-snomed.tsv")
DCIODVFY = Path("tools/.dicom3tools/usr/bin/dciodvfy")
TOL = 1e-4
# cases on another case's series: every structure of the table, with a patient and study in full
SOURCE = {"all_structures": "axial_lps"}


def code_table():
    """id -> (name, category code value, type code value) from the committed table."""
    out = {}
    for line in TABLE.read_text().splitlines():
        if line.startswith("#") or line.startswith("id\t"):
            continue
        f = line.split("\t")
        out[int(f[0])] = (f[1], f[2].split("|")[1], f[3].split("|")[1])
    return out


def source_series(name):
    """The source images sorted along the slice normal, as pydicom reads them."""
    slices = [pydicom.dcmread(p) for p in sorted((FIXTURES / "series" / name).iterdir())]
    iop = np.array(slices[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    slices.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, dtype=float))))
    return slices


def dciodvfy(path):
    """dciodvfy's error and warning lines (it prints its findings on stderr)."""
    run = subprocess.run([str(DCIODVFY), str(path)], capture_output=True, text=True)
    lines = (run.stdout + run.stderr).splitlines()
    return [l for l in lines if l.startswith("Error")], [l for l in lines if l.startswith("Warning")]


def check(name, table):
    path = SEG_DIR / f"{name}.dcm"
    source = source_series(SOURCE.get(name, name))
    uids = [d.SOPInstanceUID for d in source]
    rows, cols = int(source[0].Rows), int(source[0].Columns)
    labels = np.fromfile(SEG_DIR / f"{name}-labels.raw", dtype="<u2").reshape(len(source), rows, cols)

    seg = hd.seg.segread(path)
    by_name = {v[0]: k for k, v in table.items()}
    segment_ids = {}
    codes_ok = True
    for s in seg.SegmentSequence:
        label = s.SegmentLabel
        structure = by_name.get(label, int(label.removeprefix("structure ")) if label.startswith("structure ") else None)
        segment_ids[int(s.SegmentNumber)] = structure
        if structure in table:
            _, category, kind = table[structure]
            codes_ok &= (s.SegmentedPropertyCategoryCodeSequence[0].CodeValue == category
                         and s.SegmentedPropertyTypeCodeSequence[0].CodeValue == kind)
    numbers = seg.get_pixels_by_source_instance(uids, combine_segments=True, relabel=False)
    back = np.zeros_like(labels)
    for number, structure in segment_ids.items():
        back[numbers == number] = structure
    labels_equal = bool(np.array_equal(back, labels))

    position = {d.SOPInstanceUID: np.array(d.ImagePositionPatient, dtype=float) for d in source}
    geometry_equal = True
    for frame in seg.PerFrameFunctionalGroupsSequence:
        ref = frame.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
        ipp = np.array(frame.PlanePositionSequence[0].ImagePositionPatient, dtype=float)
        geometry_equal &= bool(np.allclose(ipp, position[ref], atol=TOL))
    shared = seg.SharedFunctionalGroupsSequence[0]
    geometry_equal &= bool(np.allclose(np.array(shared.PlaneOrientationSequence[0].ImageOrientationPatient, float),
                                       np.array(source[0].ImageOrientationPatient, float), atol=1e-6))
    geometry_equal &= bool(np.allclose(np.array(shared.PixelMeasuresSequence[0].PixelSpacing, float),
                                       np.array(source[0].PixelSpacing, float), atol=TOL))
    # highdicom's own volume of the SEG (indexes slice, row, column; LPS affine): every voxel, taken to world
    # coordinates by its affine and back to the source grid by the source's affine, lands on a source voxel with
    # the same structure, and it holds every labelled voxel
    volume = seg.get_volume(combine_segments=True)
    iop = np.array(source[0].ImageOrientationPatient, dtype=float)
    spacing = np.array(source[0].PixelSpacing, dtype=float)
    src = np.eye(4)
    src[:3, 0] = position[uids[1]] - position[uids[0]]
    src[:3, 1] = iop[3:] * spacing[0]
    src[:3, 2] = iop[:3] * spacing[1]
    src[:3, 3] = position[uids[0]]
    index = np.stack(np.meshgrid(*[np.arange(n) for n in volume.spatial_shape], indexing="ij"), -1).reshape(-1, 3)
    world = volume.affine @ np.c_[index, np.ones(len(index))].T
    on_source = (np.linalg.inv(src) @ world)[:3].T
    near = np.rint(on_source).astype(int)
    inside = (np.abs(on_source - near) < 1e-3).all() and (near >= 0).all() and (near < labels.shape).all()
    volume_equal = bool(inside)
    if inside:
        got = volume.array.reshape(-1)
        expected = back[near[:, 0], near[:, 1], near[:, 2]]
        volume_equal = bool(np.array_equal(got, np.vectorize(lambda x: {v: k for k, v in segment_ids.items()}.get(x, 0))(expected))
                            and np.count_nonzero(got) == np.count_nonzero(labels))

    errors, warnings = dciodvfy(path)
    return {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "frames": int(seg.NumberOfFrames),
        "segments": {str(k): v for k, v in segment_ids.items()},
        "labels_equal": labels_equal,
        "geometry_equal": geometry_equal,
        "volume_equal": volume_equal,
        "codes_equal": bool(codes_ok),
        "dciodvfy_errors": errors,
        "dciodvfy_warnings": warnings,
    }


def main():
    if not DCIODVFY.exists():
        sys.exit(f"{DCIODVFY} is missing: run tools/dicom/ensure_dicom3tools.sh")
    table = code_table()
    cases = {p.stem: check(p.stem, table) for p in sorted(SEG_DIR.glob("*.dcm"))}
    verdict = {
        "tools": {"highdicom": hd.__version__, "pydicom": pydicom.__version__,
                  "dicom3tools": subprocess.run(["dpkg-deb", "-f", next(Path("tools/.dicom3tools").glob("*.deb")),
                                                 "Version"], capture_output=True, text=True).stdout.strip()},
        "cases": cases,
    }
    (SEG_DIR / "verdict.json").write_text(json.dumps(verdict, indent=1) + "\n")
    bad = [n for n, c in cases.items() if not (c["labels_equal"] and c["geometry_equal"] and c["volume_equal"] and c["codes_equal"]
                                               and not c["dciodvfy_errors"])]
    for n, c in cases.items():
        print(n, "frames", c["frames"], "labels_equal", c["labels_equal"], "geometry_equal", c["geometry_equal"], "volume_equal", c["volume_equal"],
              "codes_equal", c["codes_equal"], "dciodvfy errors", len(c["dciodvfy_errors"]),
              "warnings", len(c["dciodvfy_warnings"]))
    sys.exit(f"failed: {bad}" if bad else 0)


if __name__ == "__main__":
    main()
