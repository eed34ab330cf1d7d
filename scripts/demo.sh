#!/usr/bin/env bash
# README command (1): the main job. Installs what is missing, builds `vestige`, then plans a case:
#   scripts/demo.sh                 the digital phantom (generated into build/demo/phantom), no data needed
#   scripts/demo.sh CASE.json       a case file of your own (see Documentation/planning.md)
# Prints the key figures and the path of report.html / report.pdf.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$here/build
"$here/scripts/install-deps.sh"
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
fi
cmake --build "$build" --target vestige --parallel "$(nproc)"
vestige=$build/Apps/vestige/vestige
case_file=${1:-}
out=$build/demo/plan
if [[ -z $case_file ]]; then
  if [[ ! -f $build/demo/phantom/case.json ]]; then
    rm -rf "$build/demo/phantom"
    echo "\$ vestige phantom -o $build/demo/phantom --seed 1"
    "$vestige" phantom -o "$build/demo/phantom" --seed 1
  fi
  case_file=$build/demo/phantom/case.json
else
  out=$build/demo/plan-$(basename "$(dirname "$(realpath "$case_file")")")
fi
rm -rf "$out"
echo "\$ vestige plan $case_file -o $out"
"$vestige" plan "$case_file" -o "$out"
