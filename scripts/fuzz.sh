#!/usr/bin/env bash
# Fuzzes the catalog, the series loader and the case-file parser under AddressSanitizer and UBSan for a bounded
# time (Testing/Fuzz/fuzz_inputs.cpp). Builds the fuzzer in a tree of its own, makes seeds (the digital phantom's
# DICOM series and case file, plus real DICOM files from ../shared/data when present) and runs it.
# Usage: scripts/fuzz.sh [SECONDS=120] [FUZZ_BUILD_DIR=build-fuzz] [RELEASE_BUILD_DIR=build]
# Exit: 0 no finding, 1 a finding (unexpected exception, crash or sanitizer report), other: could not run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-120}
build=${2:-$here/build-fuzz}
release=${3:-$here/build}
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVESTIGE_SANITIZE=address,undefined \
  -DVESTIGE_WARNINGS_AS_ERRORS=ON > /dev/null
cmake --build "$build" --target vestige_fuzz --parallel "$(nproc)"

seeds=$build/fuzz-seeds
rm -rf "$seeds" "$build/fuzz-work"
mkdir -p "$seeds/shared"
# The phantom: a CT series at each date and a case file whose paths resolve (the release build's vestige makes it).
vestige=$release/Apps/vestige/vestige
[[ -x $vestige ]] || cmake --build "$release" --target vestige --parallel "$(nproc)"
"$vestige" -q phantom -o "$seeds/phantom" --seed 5 > /dev/null
cp "$here/Data/cases/hcc009/case.json" "$seeds/hcc009-case.json"
# Real files: every transfer syntax, enhanced multi-frame objects, SEG, and a few slices of a real CT series.
data=$release/testdata
if [[ -x $here/../shared/data/unpack ]]; then
  "$here/../shared/data/unpack" "$data" dicom-compressed dicom-multiframe dcmqi-seg hcc-tace-seg-009 > /dev/null
  cp -r "$data/dicom-compressed" "$data/dicom-multiframe" "$data/dcmqi-seg" "$seeds/shared/"
  series=$(find "$data/hcc-tace-seg-009" -type d -name '4.000000-Recon*' | head -1)
  mkdir -p "$seeds/shared/hcc009-slices"
  find "$series" -type f | sort | head -4 | xargs -I{} cp {} "$seeds/shared/hcc009-slices/"
else
  echo "fuzz: no ../shared/data: seeds are the phantom's files only" >&2
fi
# Leak reports at exit would come from library singletons (ITK, DCMTK), not from the inputs: off.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$build/Testing/Fuzz/vestige_fuzz" --seeds "$seeds" --work "$build/fuzz-work" --seconds "$seconds"
