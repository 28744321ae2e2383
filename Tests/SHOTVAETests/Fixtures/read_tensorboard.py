#!/usr/bin/python3
"""Reads a run's TensorBoard event files with TensorBoard's own reader (EventAccumulator)
and prints what it found as one JSON object:

  {"scalars": {tag: [[step, value], ...]}, "images": {tag: [[step, width, height], ...]}}

TrainerTests run it with the interpreter of the virtual environment that `make test` makes
(.build/tensorboard, with the `tensorboard` package from PyPI).

Usage: .build/tensorboard/bin/python Tests/SHOTVAETests/Fixtures/read_tensorboard.py RUN_FOLDER
"""
import json
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def main():
    accumulator = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0, "images": 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    print(json.dumps({
        "scalars": {tag: [[e.step, e.value] for e in accumulator.Scalars(tag)] for tag in tags["scalars"]},
        "images": {tag: [[e.step, e.width, e.height] for e in accumulator.Images(tag)] for tag in tags["images"]},
    }))


if __name__ == "__main__":
    main()
