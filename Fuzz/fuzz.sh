#!/bin/sh
# Runs libFuzzer on one format for a while: ./fuzz.sh <format> [seconds] [extra libFuzzer flags...]
# Formats: idx idx-gzip cifar cifar-tgz safetensors checkpoint. Build first (see README.md).
# Work files go to ${FUZZ_WORK:-.fuzz}/: seeds/<format>, corpus/<format> (what the fuzzer keeps),
# artifacts/<format>/ (crash-*, timeout-*, oom-* inputs) and <format>.log.
set -eu
cd "$(dirname "$0")"
format=${1:?usage: ./fuzz.sh <format> [seconds] [libFuzzer flags...]}
seconds=${2:-180}
[ $# -ge 2 ] && shift 2 || shift $#
work=${FUZZ_WORK:-.fuzz}
binary=.build/release/shotvae-fuzz
dict=
case $format in
  cifar-tgz) max_len=32768 ;;
  safetensors|checkpoint) max_len=20000; dict=-dict=Dictionaries/safetensors.dict ;;
  *) max_len=20000 ;;
esac
mkdir -p "$work/corpus/$format" "$work/artifacts/$format"
[ -d "$work/seeds/$format" ] || "$binary" seeds "$work/seeds"
# Leak detection is off (see Sources/CFuzzer/shim.c and -detect_leaks=0), and so is Swift's
# backtracer, whose crash handler would stand in the way of libFuzzer's (no crash file saved).
SWIFT_BACKTRACE=enable=no SHOTVAE_FUZZ_FORMAT=$format "$binary" $dict \
  -max_len=$max_len -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=1024 -detect_leaks=0 \
  -use_value_profile=1 -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/$format/" "$@" \
  "$work/corpus/$format" "$work/seeds/$format" 2>&1 | tee "$work/$format.log"
