#!/bin/sh
# Line coverage of the readers reached by the fuzzer's corpus: ./coverage.sh [format...]
# Builds a copy of the harness with -profile-generate in .build-coverage, replays
# .fuzz/corpus/<format> and .fuzz/seeds/<format> once (-runs=0) and prints llvm-cov's report
# for the reader files, per format and for all formats together.
set -eu
cd "$(dirname "$0")"
formats=${*:-idx idx-gzip cifar cifar-tgz safetensors checkpoint}
tools=$(dirname "$(command -v swift)")
swift build -c release -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld -Xswiftc -enable-testing \
  -Xswiftc -profile-generate -Xswiftc -profile-coverage-mapping --scratch-path .build-coverage
binary=$PWD/.build-coverage/release/shotvae-fuzz
out=.fuzz/coverage
rm -rf "$out" && mkdir -p "$out"
sources=../Sources/SHOTVAE
files="$sources/Data/IDX.swift $sources/IO/Gzip.swift $sources/IO/TarArchive.swift $sources/Data/CIFAR.swift
  $sources/IO/SafeTensors+Reading.swift $sources/Training/Checkpoint.swift"
for format in $formats; do
  SWIFT_BACKTRACE=enable=no LLVM_PROFILE_FILE="$out/$format.profraw" SHOTVAE_FUZZ_FORMAT=$format \
    "$binary" -runs=0 -max_len=32768 ".fuzz/corpus/$format" ".fuzz/seeds/$format" > "$out/$format.log" 2>&1
  "$tools/llvm-profdata" merge -sparse "$out/$format.profraw" -o "$out/$format.profdata"
  echo "== $format"
  # shellcheck disable=SC2086
  "$tools/llvm-cov" report "$binary" -instr-profile="$out/$format.profdata" $files
done
"$tools/llvm-profdata" merge -sparse "$out"/*.profraw -o "$out/all.profdata"
echo "== all formats"
# shellcheck disable=SC2086
"$tools/llvm-cov" report "$binary" -instr-profile="$out/all.profdata" $files
