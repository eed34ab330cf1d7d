#!/usr/bin/env bash
# README command (2): install what is missing, configure, build everything and run the whole test suite.
# Benchmarks are not part of it (cmake --build build --target benchmarks). Usage: scripts/build-and-test.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
"$here/scripts/install-deps.sh"
# ccache hashes paths relative to the checkout, so clones in other folders (CI) reuse each other's objects.
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVESTIGE_WARNINGS_AS_ERRORS=ON
cmake --build "$build" --parallel "$(nproc)"
cd "$build"
# Tests of bars not yet reached (CMakeLists.txt: VESTIGE_UNMET_BAR_TESTS) run first; their failures are shown,
# not hidden, but do not fail the build. The suite proper follows and must pass.
echo "== acceptance bars not yet reached (label unmet-bar; failures expected and reported) =="
ctest -L unmet-bar --output-on-failure --timeout 1200 -j "$(nproc)" || echo "== unmet-bar tests failed as documented =="
echo "== the test suite =="
ctest -LE unmet-bar --output-on-failure --timeout 1200 -j "$(nproc)"
# Bad input: the catalog, the series loader and the case-file parser under AddressSanitizer and UBSan, fed mutated
# real files for a bounded time (scripts/fuzz.sh; a finding fails the run).
echo "== fuzzing under AddressSanitizer and UBSan (bounded) =="
"$here/scripts/fuzz.sh" "${VESTIGE_FUZZ_SECONDS:-120}" "$build-fuzz" "$build"
