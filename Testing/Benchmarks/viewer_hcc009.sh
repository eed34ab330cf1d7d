#!/usr/bin/env bash
# Benchmark (issue 15): `vestige view` on the HCC_009 plan. Plans Data/cases/hcc009/case.json once (as
# plan_hcc009.sh does, --no-report), then runs `vestige view OUT --benchmark`, which opens the window (under Xvfb
# when there is no display), loads everything and prints: time from start to the first rendered follow-up slice
# (goal < 3 s), time until the 3D surfaces of both scenarios are ready, slice stepping frames per second in a
# 512 x 512 view (goal >= 30; 200 steps, each fully recomputed and painted), 3D rotation frames per second with all
# surfaces (120 frames over 360 degrees) and peak memory; /usr/bin/time adds the process's peak RSS. 3D Slicer
# publishes no comparable figures for these operations, so absolute figures are printed with the machine named.
# Usage: viewer_hcc009.sh VESTIGE_BINARY TESTDATA_DIR SOURCE_DIR [PLAN_DIR]
#   PLAN_DIR: an existing HCC_009 plan folder to reuse (skips the ~1 minute plan)
set -euo pipefail
vestige=$1
data=$2
source_dir=$3
plan=${4:-}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [[ -z $plan ]]; then
  case_file="$source_dir/Data/cases/hcc009/case.json"
  [[ -d $data/hcc-tace-seg-009 ]] || { echo "benchmark: HCC_009 not found under $data (unpack ../shared/data)" >&2; exit 2; }
  /usr/bin/python3 - "$case_file" "$data" "$out/case.json" << 'PY'
import json, os, sys
case_file, data, target = sys.argv[1:]
c = json.load(open(case_file))
for key in ("baseline", "followup"):
    series = os.path.normpath(os.path.join(os.path.dirname(case_file), c[key]["series"]))
    tail = series.split(os.sep + "testdata" + os.sep, 1)
    if len(tail) != 2:
        sys.exit("benchmark: %s.series does not point into a testdata folder: %s" % (key, series))
    c[key]["series"] = os.path.join(os.path.abspath(data), tail[1])
json.dump(c, open(target, "w"), indent=2)
PY
  echo "planning HCC_009 (vestige plan --no-report) ..."
  "$vestige" -q --threads 2 plan "$out/case.json" -o "$out/plan" --no-report > /dev/null
  plan=$out/plan
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "Viewer: vestige view on the HCC_009 plan ($plan)"
echo "machine: $cpu, $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "renderer: ${DISPLAY:+display $DISPLAY}${DISPLAY:-Xvfb started by vestige (Mesa llvmpipe, software OpenGL)}"
/usr/bin/time -f 'process peak RSS              %M kB' "$vestige" view "$plan" --benchmark --size 1600x1000
