#!/usr/bin/env python3
"""Writes a small data set in CIFAR's official binary format, for smoke runs without the
real CIFAR (which these machines cannot download).

    python3 Tests/SHOTVAETests/Fixtures/make_cifar_like.py /tmp/cifar-like [--per-class 120] [--cifar100]
    swift run -c release shotvae-cifar --data-dir /tmp/cifar-like/cifar-10-binary.tar.gz --labels 400 \\
        --time-budget 2 --output /tmp/cifar-like-run

Each image is noise plus a class-specific coloured stripe, so the classes are learnable. The
folder layout and the .tar.gz archive match the official ones: cifar-10-batches-bin/
data_batch_1.bin ... data_batch_5.bin and test_batch.bin (1 label byte + 3,072 pixel bytes per
record), or cifar-100-binary/train.bin and test.bin (coarse + fine label bytes).
"""
import argparse
import os
import random
import tarfile


def record(label, classes, rng, coarse=None):
    pixels = bytearray(rng.randrange(0, 96) for _ in range(3072))
    channel, row = label % 3, (label * 3) % 30
    for y in range(row, row + 3):
        for x in range(32):
            pixels[channel * 1024 + y * 32 + x] = 230
    head = bytes([coarse, label]) if coarse is not None else bytes([label])
    return head + bytes(pixels)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--per-class", type=int, default=120, help="training images per class")
    parser.add_argument("--cifar100", action="store_true")
    args = parser.parse_args()
    rng = random.Random(0)
    classes = 100 if args.cifar100 else 10
    name = "cifar-100-binary" if args.cifar100 else "cifar-10-batches-bin"
    data = os.path.join(args.folder, name)
    os.makedirs(data, exist_ok=True)
    train = [record(i % classes, classes, rng, (i % classes) // 5 if args.cifar100 else None)
             for i in range(args.per_class * classes)]
    rng.shuffle(train)
    test = [record(i % classes, classes, rng, (i % classes) // 5 if args.cifar100 else None)
            for i in range(max(classes * 10, args.per_class * classes // 5))]
    if args.cifar100:
        files = {"train.bin": train, "test.bin": test}
    else:
        size = len(train) // 5
        files = {f"data_batch_{i + 1}.bin": train[i * size:(i + 1) * size] for i in range(5)}
        files["test_batch.bin"] = test
    for filename, records in files.items():
        with open(os.path.join(data, filename), "wb") as f:
            f.write(b"".join(records))
    archive = os.path.join(args.folder, ("cifar-100" if args.cifar100 else "cifar-10") + "-binary.tar.gz")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(data, arcname=name)
    print("wrote", data, "and", archive)


if __name__ == "__main__":
    main()
