#!/usr/bin/env python3
"""Checks that a SHOTVAE checkpoint loads in Python's safetensors with the right contents.

    python3 -m venv /tmp/st && /tmp/st/bin/pip install safetensors numpy
    /tmp/st/bin/python Tests/SHOTVAETests/Fixtures/check_checkpoint.py runs/mnist/checkpoint.safetensors

The file is read twice: with `safetensors.numpy.load_file` (the reference implementation)
and with an independent parser written from the format's description (8-byte little-endian
header length, JSON header, raw little-endian data). Both must give the same names, dtypes,
shapes and values; the metadata must say it is a SHOTVAE checkpoint. Prints one line per
tensor and exits with status 1 on any difference.
"""
import json
import struct
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

DTYPES = {"F32": "<f4", "F64": "<f8", "U64": "<u8", "I64": "<i8", "U8": "u1"}


def parse(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=DTYPES[entry["dtype"]])
        tensors[name] = (entry["dtype"], array.reshape(entry["shape"]))
    return tensors, metadata


def main(path):
    reference = load_file(path)
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
    own, own_metadata = parse(path)
    problems = []
    if metadata != own_metadata:
        problems.append("metadata differs between the two readers")
    if metadata.get("format") != "shotvae-checkpoint/1":
        problems.append(f"metadata format is {metadata.get('format')!r}")
    if set(reference) != set(own):
        problems.append(f"names differ: {sorted(set(reference) ^ set(own))}")
    for name in sorted(own):
        dtype, array = own[name]
        other = reference.get(name)
        same = other is not None and other.shape == array.shape and np.array_equal(other, array)
        print(f"{'ok ' if same else 'BAD'} {name:40s} {dtype:4s} {str(list(array.shape)):18s} "
              f"sum {float(np.asarray(array, dtype=np.float64).sum()):.6g}")
        if not same:
            problems.append(f"tensor {name} differs")
    print(f"{len(own)} tensors; counters {metadata.get('counters')}; "
          f"configuration {metadata.get('configuration', '')[:120]}")
    for problem in problems:
        print("problem:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
