#!/usr/bin/python3
"""Writes a small image folder for ImageFolderTests with Debian's python3-pil, in every kind of
file ImageFolder reads, and the values a correct decoder gives:

  DIR/train/<ant|bee|cat>/..., DIR/test/<ant|bee|cat>/...   8x6 images (width 8, height 6)
  DIR/expected.json   {relative path: {"rgb": [...], "grey": [...]}}: the image as [C, H, W]
                      values in [0, 1] (RGB and grey), computed from the pixels written for PNG
                      files and from PIL's own decoding (also libjpeg-turbo) for JPEG files.

Kinds: PNG 8-bit RGB, RGBA, grey, grey and alpha, palette, palette with transparency,
16-bit grey and 16-bit RGB, interlaced (Adam7), JPEG baseline, progressive and grey.

Usage: /usr/bin/python3 Tests/SHOTVAETests/Fixtures/make_image_folder.py DIR
"""
import json
import os
import random
import struct
import sys
import zlib

from PIL import Image

WIDTH, HEIGHT = 8, 6


def luma(r, g, b):
    return 0.299 * r + 0.587 * g + 0.114 * b


def png_by_hand(path, samples, channels, depth, interlaced=False):
    """A PNG written by hand (PIL writes neither 16-bit colour nor Adam7): grey (colour type 0)
    or RGB (2), 8 or 16 bits, interlaced with Adam7 if asked; filter 0 on every row."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    def pixel(x, y):
        values = samples[(y * WIDTH + x) * channels:(y * WIDTH + x + 1) * channels]
        return b"".join(struct.pack(">H", v) if depth == 16 else bytes([v]) for v in values)
    passes = ([(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
              if interlaced else [(0, 0, 1, 1)])
    raw = b""
    for x0, y0, dx, dy in passes:
        columns = list(range(x0, WIDTH, dx))
        if not columns:
            continue
        for y in range(y0, HEIGHT, dy):
            raw += b"\0" + b"".join(pixel(x, y) for x in columns)
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, depth, 0 if channels == 1 else 2, 0, 0, 1 if interlaced else 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main(root):
    rng = random.Random(5)
    expected = {}

    def record(relative, rgb_pixels):
        """rgb_pixels: H*W (r, g, b) in 0..255 (floats allowed)."""
        planes = [[p[c] / 255 for p in rgb_pixels] for c in range(3)]
        expected[relative] = {"rgb": planes[0] + planes[1] + planes[2],
                              "grey": [luma(*p) / 255 for p in rgb_pixels]}

    def pixels():
        return [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(WIDTH * HEIGHT)]

    def save(relative, kind):
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        rgb = pixels()
        if kind == "rgb":
            Image.frombytes("RGB", (WIDTH, HEIGHT), bytes(v for p in rgb for v in p)).save(path)
            record(relative, rgb)
        elif kind == "rgba":
            alpha = [rng.randrange(256) for _ in rgb]
            Image.frombytes("RGBA", (WIDTH, HEIGHT), bytes(v for p, a in zip(rgb, alpha) for v in (*p, a))).save(path)
            record(relative, rgb)  # alpha is dropped
        elif kind in ("grey", "grey-alpha"):
            grey = [p[0] for p in rgb]
            image = Image.frombytes("L", (WIDTH, HEIGHT), bytes(grey))
            (image.convert("LA") if kind == "grey-alpha" else image).save(path)
            record(relative, [(g, g, g) for g in grey])
        elif kind in ("palette", "palette-transparent"):
            colours = [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(4)]
            indices = [rng.randrange(4) for _ in rgb]
            image = Image.frombytes("P", (WIDTH, HEIGHT), bytes(indices))
            image.putpalette([v for c in colours for v in c])
            if kind == "palette-transparent":
                image.info["transparency"] = 2
                image.save(path, transparency=2)
            else:
                image.save(path)
            record(relative, [colours[i] for i in indices])
        elif kind == "interlaced":
            png_by_hand(path, [v for p in rgb for v in p], 3, 8, interlaced=True)
            record(relative, rgb)
        elif kind in ("grey16", "rgb16"):
            channels = 1 if kind == "grey16" else 3
            samples = [rng.randrange(65536) for _ in range(WIDTH * HEIGHT * channels)]
            png_by_hand(path, samples, channels, 16)
            scaled = [round(v / 257) for v in samples]  # libpng's png_set_scale_16
            rgb = ([(s, s, s) for s in scaled] if channels == 1
                   else [tuple(scaled[i * 3:(i + 1) * 3]) for i in range(WIDTH * HEIGHT)])
            record(relative, rgb)
        elif kind in ("jpeg", "jpeg-progressive", "jpeg-grey"):
            image = Image.frombytes("RGB", (WIDTH, HEIGHT), bytes(v for p in rgb for v in p))
            if kind == "jpeg-grey":
                image = image.convert("L")
            image.save(path, quality=90, progressive=(kind == "jpeg-progressive"))
            decoded = Image.open(path).convert("RGB")
            record(relative, list(decoded.getdata()))
        else:
            raise ValueError(kind)

    kinds = ["rgb", "rgba", "grey", "grey-alpha", "palette", "palette-transparent", "grey16", "rgb16",
             "interlaced", "jpeg", "jpeg-progressive", "jpeg-grey"]
    extension = {"jpeg": "jpg", "jpeg-progressive": "jpeg", "jpeg-grey": "JPG"}
    for index, kind in enumerate(kinds):
        label = ["ant", "bee", "cat"][index % 3]
        save(f"train/{label}/{index:02d}-{kind}.{extension.get(kind, 'png')}", kind)
    for index, label in enumerate(["ant", "bee", "cat", "cat"]):
        save(f"test/{label}/t{index}.png", "rgb")
    with open(os.path.join(root, "expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main(sys.argv[1])
