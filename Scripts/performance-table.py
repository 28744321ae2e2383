#!/usr/bin/env python3
"""Prints the README's performance table from `shotvae-bench compare --json` runs.

Usage:
    swift run -c release shotvae-bench compare --json > run1.json
    (repeat for run2.json, run3.json: each run measures both sides, one after the other)
    python3 Scripts/performance-table.py run1.json run2.json run3.json [--machine TEXT]

Each file holds what `compare --json` prints: one JSON object per line,
    {"comparison": "mnist-step median (ms)", "shotvae": 41.3, "pytorch": 155.7,
     "ratio": 3.77, "unit": "ms"}
and, without "pytorch" and "ratio", the share of the same-run FMA peak that each workload's
products reach ("mnist-step FMA peak fraction", ...), "conv / sgemm rate", and "kernels" (the
instruction set, OpenBLAS's core and the FMA peak in GFLOP/s). Lines that are not JSON objects (build messages) are skipped. With several
files, each cell lists the runs in order, separated by " / ".

and "machine" (the processor as `/proc/cpuinfo` describes it: vendor, family and model numbers,
model name, logical CPUs, vector extensions, memory; its "summary" is one line). The last line
of the output names the machine from --machine if given, else from the runs' "machine" lines,
else (runs of an older `compare`) from /proc/cpuinfo and /proc/meminfo of the machine this
script runs on.
Standard library only.
"""

import argparse
import json
import os
import sys

# The rows of the table: the comparison's name in the JSON, the row's label, the number's format, the unit.
ROWS = [
    ("mnist-step median (ms)",
     "`mnist-step`: the paper's MNIST VAE, 128 unlabeled + 4 labeled images, forward, backward, Adam (median)",
     "{:.1f}", "ms"),
    ("mnist-infer (images/s)", "`mnist-infer`: the MNIST encoder at batch 1,000", "{:,.0f}", "images/s"),
    ("mnist peak RSS (MiB)", "peak resident memory, MNIST", "{:,.0f}", "MiB"),
    ("wrn-step median (s)",
     "`wrn-step`: one SHOT-VAE step, WideResNet-28-2 + DCGAN decoder, 64 labeled + 64 unlabeled "
     "images, four passes, SGD (median)",
     "{:.2f}", "s"),
    ("wrn peak RSS (MiB)", "peak resident memory, WideResNet", "{:,.0f}", "MiB"),
]


def read_run(path):
    """The comparisons of one run, by name."""
    run = {}
    with open(path, encoding="utf-8") as file:
        for line in file:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and "comparison" in obj:
                run[obj["comparison"]] = obj
    return run


def joined(values, unit=None):
    """`a / b / c unit`, or `-` when there is nothing."""
    if not values:
        return "-"
    return " / ".join(values) + (" " + unit if unit else "")


def measured_machine(runs):
    """The machine the runs describe: their summaries, one if they agree, or None if no run has one."""
    summaries = [run["machine"]["summary"] for run in runs if "summary" in run.get("machine", {})]
    if not summaries:
        return None
    distinct = list(dict.fromkeys(summaries))
    return distinct[0] if len(distinct) == 1 else " / ".join(summaries)


def machine_description():
    """The processor, its logical CPUs, the vector extensions that matter here, and the memory."""
    model, flags, cpus = None, set(), 0
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "processor":
                    cpus += 1
                elif key == "model name" and model is None:
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        return "unknown (no /proc/cpuinfo; pass --machine)"
    features = [name for flag, name in (("avx2", "AVX2"), ("fma", "FMA")) if flag in flags]
    features.append("AVX-512F" if "avx512f" in flags else "no AVX-512")
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("MemTotal:"):
                    memory = ", {:.0f} GiB".format(int(line.split()[1]) / 1024 / 1024)
                    break
    except OSError:
        pass
    return "{} logical CPUs of an {} ({}){}".format(cpus, model or "unknown processor", ", ".join(features), memory)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="files written by `shotvae-bench compare --json`")
    parser.add_argument("--machine", help="the machine the runs were measured on (default: the one the runs describe)")
    args = parser.parse_args(argv)
    runs = [read_run(path) for path in args.runs]

    print("| workload | SHOTVAE | PyTorch | SHOTVAE's advantage |")
    print("|---|---|---|---|")
    for name, label, form, unit in ROWS:
        measured = [run[name] for run in runs if name in run]
        if not measured:
            continue
        ours = joined([form.format(m["shotvae"]) for m in measured], unit)
        theirs = [m for m in measured if "pytorch" in m]
        pytorch = joined([form.format(m["pytorch"]) for m in theirs], unit)
        advantage = joined(["{:.2f}x".format(m["ratio"]) for m in theirs])
        print("| {} | {} | {} | {} |".format(label, ours, pytorch, advantage))

    notes = []
    for workload in ("wrn-step", "mnist-step", "mnist-infer"):
        name = workload + " FMA peak fraction"
        fractions = [run[name]["shotvae"] for run in runs if name in run]
        if fractions:
            notes.append("`{}` {}".format(workload, joined(["{:.1f}%".format(f * 100) for f in fractions])))
    kernels = [run["kernels"] for run in runs if "kernels" in run]
    print()
    if notes:
        peaks = joined(["{:.0f}".format(k["fma_peak_gflops"]) for k in kernels], "GFLOP/s") if kernels else "-"
        print("Share of the same-run FMA peak ({}) on the multiply-adds the products perform: {}.".format(
            peaks, ", ".join(notes)))
    if kernels:
        print("Kernels: SHOTVAE's {}; OpenBLAS (PyTorch's linear layers) {}.".format(
            joined(sorted({k["instruction_set"] for k in kernels})), joined(sorted({k["openblas_core"] for k in kernels}))))
    plural = "s" if len(runs) > 1 else ""
    print("Machine: {}; {} run{} of `swift run -c release shotvae-bench compare --json`.".format(
        args.machine or measured_machine(runs) or machine_description(), len(runs), plural))


if __name__ == "__main__":
    main(sys.argv[1:])
