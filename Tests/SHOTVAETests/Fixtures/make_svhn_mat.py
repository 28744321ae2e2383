#!/usr/bin/python3
"""Writes SVHN-like MAT files with Debian's python3-scipy (scipy.io.savemat, MATLAB level 5),
for SVHNTests:

  DIR/compressed/{train,test}_32x32.mat     do_compression=True (miCOMPRESSED elements)
  DIR/plain/{train,test}_32x32.mat          do_compression=False
  DIR/doubles/{train,test}_32x32.mat        X stored as doubles, y as uint8

X[row, column, channel, n] = (7 row + 3 column + 50 channel + 11 n + offset) mod 256 (uint8,
offset 0 for train and 5 for test), y[n] = n mod 10 + 1 (1...10, 10 meaning the digit 0); 30
training and 12 test images.

Usage: /usr/bin/python3 Tests/SHOTVAETests/Fixtures/make_svhn_mat.py DIR
"""
import os
import sys

import numpy as np
import scipy.io


def arrays(count, offset):
    row, column, channel, n = np.meshgrid(np.arange(32), np.arange(32), np.arange(3), np.arange(count), indexing="ij")
    x = ((7 * row + 3 * column + 50 * channel + 11 * n + offset) % 256).astype(np.uint8)
    y = (np.arange(count) % 10 + 1).astype(np.float64).reshape(count, 1)
    return x, y


def main(root):
    for variant in ["compressed", "plain", "doubles"]:
        folder = os.path.join(root, variant)
        os.makedirs(folder, exist_ok=True)
        for name, count, offset in [("train", 30, 0), ("test", 12, 5)]:
            x, y = arrays(count, offset)
            if variant == "doubles":
                x, y = x.astype(np.float64), y.astype(np.uint8)
            scipy.io.savemat(os.path.join(folder, f"{name}_32x32.mat"), {"X": x, "y": y},
                             do_compression=(variant == "compressed"))


if __name__ == "__main__":
    main(sys.argv[1])
