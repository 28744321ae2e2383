#!/usr/bin/python3
"""Exports Fashion-MNIST (Debian's dataset-fashion-mnist) as an image folder of 32x32 RGB PNG
files, the layout `shotvae-cifar --data-dir` reads as a user's own images:

  OUT/train/<class>/<index>.png   60,000 images     OUT/test/<class>/<index>.png   10,000 images

Each 28x28 grey image is centred on a 32x32 black square (2 pixels on every side) and written
with its grey value in all three channels. Class folders are named `0-t-shirt` ... `9-ankle-boot`,
so that their sorted order is Fashion-MNIST's label order. Needs python3-pil.

Usage: /usr/bin/python3 Scripts/fashion-mnist-folder.py OUT [--source /usr/share/datasets/fashion-mnist]
"""
import argparse
import gzip
import os
import struct
import sys

try:
    from PIL import Image
except ImportError:
    sys.exit("fashion-mnist-folder.py needs Pillow: apt-get install python3-pil")

CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def read_idx(path):
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        sys.exit(f"{path}: no such file (Debian's Fashion-MNIST: apt-get install dataset-fashion-mnist, or give --source)")
    except (OSError, EOFError) as error:
        sys.exit(f"{path}: not a readable gzip file ({error})")
    if len(data) < 8:
        sys.exit(f"{path}: {len(data)} bytes, too short for an IDX header")
    magic, count = struct.unpack(">II", data[:8])
    if magic == 0x803:
        if len(data) < 16:
            sys.exit(f"{path}: {len(data)} bytes, too short for an IDX header of images")
        rows, columns = struct.unpack(">II", data[8:16])
        header = 16
    elif magic == 0x801:
        rows, columns, header = 1, 1, 8
    else:
        sys.exit(f"{path}: not an IDX file of images or labels (magic {magic:#x})")
    if len(data) < header + count * rows * columns:
        sys.exit(f"{path}: truncated: {len(data) - header} bytes of data for {count} items of {rows * columns}")
    return count, rows, columns, data[header:]


def export(source, out, split, prefix):
    count, rows, columns, pixels = read_idx(os.path.join(source, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(source, f"{prefix}-labels-idx1-ubyte.gz"))[3]
    for k, name in enumerate(CLASSES):
        os.makedirs(os.path.join(out, split, f"{k}-{name}"), exist_ok=True)
    size = rows * columns
    for i in range(count):
        grey = Image.frombytes("L", (columns, rows), pixels[i * size:(i + 1) * size])
        square = Image.new("L", (32, 32), 0)
        square.paste(grey, ((32 - columns) // 2, (32 - rows) // 2))
        label = labels[i]
        square.convert("RGB").save(os.path.join(out, split, f"{label}-{CLASSES[label]}", f"{i:05d}.png"))
        if (i + 1) % 10000 == 0:
            print(f"{split}: {i + 1} of {count}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    export(args.source, args.out, "train", "train")
    export(args.source, args.out, "test", "t10k")


if __name__ == "__main__":
    main()
