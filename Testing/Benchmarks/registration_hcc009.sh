#!/usr/bin/env bash
# Benchmark (issues 4, 18): register the HCC_009 baseline "4.000000-Recon 2 LIVER 3 PHASE CAP" (moving) onto the
# follow-up "105.000000-NA" (fixed), from DICOM folders to a written transform, Vestige beside elastix in the same
# run, both with 2 threads; then the TRE of both on Data/registration/hcc009_landmarks.json.
# elastix needs volume files: its time includes converting both series with plastimatch.
# TRE is measured in both tools' own direction (follow-up landmark mapped to the baseline, compared with the
# baseline landmark), and for Vestige also baseline -> follow-up (the direction lesion sites travel).
# Usage: registration_hcc009.sh VESTIGE_BINARY TESTDATA_DIR SOURCE_DIR [RUNS]
set -euo pipefail
vestige=$1
data=$2
source_dir=$3
runs=${4:-1}
params="$source_dir/Data/registration"
landmarks="$params/hcc009_landmarks.json"
baseline=$(find "$data/hcc-tace-seg-009" -type d -name '4.000000-Recon 2 LIVER 3 PHASE CAP*' | head -1)
followup=$(find "$data/hcc-tace-seg-009" -type d -name '105.000000-NA*' | head -1)
[[ -d $baseline && -d $followup ]] || { echo "benchmark: HCC_009 series not found under $data" >&2; exit 2; }
for tool in elastix transformix plastimatch; do
  command -v $tool > /dev/null || { echo "benchmark: $tool is not installed (scripts/install-deps.sh)" >&2; exit 2; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Prints "<wall seconds> <peak RSS kB>" of one run of the command.
measure() {
  /usr/bin/time -f '%e %M' -o "$out/time" "$@" > "$out/stdout" 2> "$out/stderr" || {
    cat "$out/stderr" >&2
    exit 1
  }
  cat "$out/time"
}

# The transform alone (what elastix delivers), and the full run with the per-site uncertainty map (a second, coarse
# demons run) that Planning uses; the deformable result is the same in both.
run_ours() {
  rm -rf "$out/ours_fast"
  measure "$vestige" -q --threads 2 register --fixed "$followup" --moving "$baseline" -o "$out/ours_fast" \
    --no-moved-image --no-uncertainty
}
run_ours_full() {
  rm -rf "$out/ours"
  measure "$vestige" -q --threads 2 register --fixed "$followup" --moving "$baseline" -o "$out/ours" --no-moved-image
}

run_elastix() {
  rm -rf "$out/el" && mkdir -p "$out/el"
  local a b c
  a=$(measure plastimatch convert --input "$followup" --output-img "$out/el/fixed.nii.gz")
  b=$(measure plastimatch convert --input "$baseline" --output-img "$out/el/moving.nii.gz")
  c=$(measure elastix -f "$out/el/fixed.nii.gz" -m "$out/el/moving.nii.gz" -p "$params/elastix_rigid.txt" \
    -p "$params/elastix_bspline.txt" -out "$out/el" -threads 2)
  echo "$a $b $c" | awk '{ m = $2; if ($4 > m) m = $4; if ($6 > m) m = $6; printf "%.2f %d\n", $1 + $3 + $5, m }'
}

: > "$out/ours.txt"
: > "$out/ours_full.txt"
: > "$out/elastix.txt"
for ((i = 0; i < runs; i++)); do
  run_ours >> "$out/ours.txt"
  run_elastix >> "$out/elastix.txt"
  run_ours_full >> "$out/ours_full.txt"
done

# Landmarks: follow-up points through both transforms, and baseline points through Vestige's inverse.
/usr/bin/python3 - "$landmarks" "$out" << 'PY'
import json, sys
pairs = json.load(open(sys.argv[1]))["pairs"]
out = sys.argv[2]
json.dump({"points": [{"name": p["name"], "lps": p["followup_lps"]} for p in pairs]}, open(out + "/fu.json", "w"))
json.dump({"points": [{"name": p["name"], "lps": p["baseline_lps"]} for p in pairs]}, open(out + "/base.json", "w"))
with open(out + "/fu.txt", "w") as f:
    f.write("point\n%d\n" % len(pairs))
    for p in pairs:
        f.write("%f %f %f\n" % tuple(p["followup_lps"]))
PY
"$vestige" -q warp --registration "$out/ours" --points "$out/fu.json" --from-followup -o "$out/ours_fu2b.json" > /dev/null
"$vestige" -q warp --registration "$out/ours" --points "$out/base.json" -o "$out/ours_b2fu.json" > /dev/null
transformix -def "$out/fu.txt" -out "$out/el" -tp "$out/el/TransformParameters.1.txt" > /dev/null

/usr/bin/python3 - "$landmarks" "$out" "$runs" "$(nproc)" << 'PY'
import json, re, sys
import numpy as np
pairs = json.load(open(sys.argv[1]))["pairs"]
out, runs, cores = sys.argv[2], int(sys.argv[3]), sys.argv[4]
base = np.array([p["baseline_lps"] for p in pairs]); fu = np.array([p["followup_lps"] for p in pairs])
ours_b = np.array([p["baseline_lps"] for p in json.load(open(out + "/ours_fu2b.json"))["points"]])
ours_f = np.array([p["followup_lps"] for p in json.load(open(out + "/ours_b2fu.json"))["points"]])
unc = np.array([p["uncertainty_mm"] for p in json.load(open(out + "/ours_b2fu.json"))["points"]])
el_b = np.array([[float(v) for v in re.search(r"OutputPoint = \[([^\]]*)\]", l).group(1).split()]
                 for l in open(out + "/el/outputpoints.txt")])
def stats(e): return "%6.2f %6.2f %6.2f" % (e.mean(), np.percentile(e, 95), e.max())
def med(path):
    rows = [list(map(float, l.split())) for l in open(path) if l.strip()]
    return np.median([r[0] for r in rows]), np.median([r[1] for r in rows]) / 1024
os_, om = med(out + "/ours.txt"); es, em = med(out + "/elastix.txt"); fs_, fm = med(out + "/ours_full.txt")
print("Registration: HCC_009 baseline '4.000000-Recon 2 LIVER 3 PHASE CAP' -> follow-up '105.000000-NA',")
print("DICOM folders to written transform, 2 threads each, median of %d run(s), %s cores, %d landmark pairs" % (runs, cores, len(pairs)))
print("  %-44s %8s %9s   %s" % ("tool", "wall s", "peak MB", "TRE mean / p95 / max mm"))
print("  %-44s %8s %9s   %s" % ("before registration (identity)", "", "", stats(np.linalg.norm(base - fu, axis=1))))
print("  %-44s %8.1f %9.0f   %s" % ("vestige register, transform only (f -> b)", os_, om, stats(np.linalg.norm(ours_b - base, axis=1))))
print("  %-44s %8s %9s   %s" % ("  same, baseline -> follow-up", "", "", stats(np.linalg.norm(ours_f - fu, axis=1))))
print("  %-44s %8.1f %9.0f" % ("vestige register with uncertainty map", fs_, fm))
print("  %-44s %8.1f %9.0f   %s" % ("plastimatch convert x2 + elastix (f -> b)", es, em, stats(np.linalg.norm(el_b - base, axis=1))))
print("  time ratio elastix / vestige: %.2fx transform only, %.2fx with uncertainty (issue 18 target >= 5)" % (es / os_, es / fs_))
print("  peak memory ratio vestige / elastix: %.2f (target <= 1)" % (max(om, fm) / em))
e = np.linalg.norm(ours_f - fu, axis=1)
print("  vestige uncertainty >= error at %.0f %% of the landmarks, median uncertainty %.2f mm" % (100 * (unc >= e).mean(), np.median(unc)))
PY
