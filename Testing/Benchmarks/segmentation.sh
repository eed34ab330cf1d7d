#!/usr/bin/env bash
# Benchmark (issues 5 and 17): automatic liver segmentation, `vestige segment-liver`, on every contrast CT with a
# liver in ../shared/data: the four liver-ct-dev cases (rad0697 EQP 44 slices, rad2022 AP 50, rad2144 EQP 58,
# chaos-ct 78), 3D-IRCADb-01 patient 17 (119 slices) and the two HCC_009 dates (69 and 70 slices), each including
# DICOM loading and writing the mask. Target (issue 17): at most 15 s per series on 2 cores. Also one click lesion
# segmentation on IRCADb 17 tumour 1. (The steatotic variants of IRCADb 17 exist only in
# segmentation.liver_segmentation_data_test, which times segmentLiver alone.)
# Usage: segmentation.sh VESTIGE_BINARY TESTDATA_DIR [RUNS]
set -euo pipefail
vestige=$1
data=$2
runs=${3:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

series_dir() { find "$data/$1" -type d -name "$2*" | head -1; }
baseline=$(series_dir hcc-tace-seg-009 '4.000000-Recon 2 LIVER 3 PHASE CAP')
followup=$(series_dir hcc-tace-seg-009 '105.000000-NA')
ircadb="$data/ircadb1-17/PATIENT_DICOM"
dev="$data/liver-ct-dev"
for d in "$baseline" "$followup" "$ircadb" "$dev/rad0697/dicom/31_EQP_Ax5.00mm" "$dev/rad2022/dicom/11_AP_Ax5.00mm" \
         "$dev/rad2144/dicom/31_EQP_Ax5.00mm" "$dev/chaos-ct/dicom"; do
  [[ -d $d ]] || { echo "benchmark: series not found under $data (unpack ../shared/data first)" >&2; exit 2; }
done

# Prints "<wall seconds> <peak RSS kB>" of one run of the command.
measure() {
  /usr/bin/time -f '%e %M' -o "$out/time" "$@" > "$out/stdout" 2> "$out/stderr" || { cat "$out/stderr" >&2; exit 1; }
  cat "$out/time"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "Liver segmentation (vestige segment-liver, load + segment + write), median of $runs runs, $(nproc) cores"
printf '  %-40s %8s %10s %12s %8s\n' "series" "wall s" "peak MB" "liver mL" "<= 15 s"
for entry in "rad0697 EQP (44 slices, 5 mm)|$dev/rad0697/dicom/31_EQP_Ax5.00mm" \
             "rad2022 AP (50 slices, 5 mm)|$dev/rad2022/dicom/11_AP_Ax5.00mm" \
             "rad2144 EQP (58 slices, 5 mm)|$dev/rad2144/dicom/31_EQP_Ax5.00mm" \
             "chaos-ct portal (78 slices, 2 mm)|$dev/chaos-ct/dicom" \
             "3D-IRCADb-01 17 (119 slices)|$ircadb" \
             "HCC_009 baseline (69 slices)|$baseline" "HCC_009 follow-up (70 slices)|$followup"; do
  name=${entry%%|*}
  dir=${entry#*|}
  : > "$out/runs"
  for ((i = 0; i < runs; i++)); do
    measure "$vestige" -q segment-liver "$dir" -o "$out/liver.nii.gz" >> "$out/runs"
  done
  s=$(cut -d' ' -f1 "$out/runs" | median)
  m=$(cut -d' ' -f2 "$out/runs" | median)
  ml=$(sed -n 's/.*liver \([0-9.]*\) mL.*/\1/p' "$out/stdout")
  awk -v n="$name" -v s="$s" -v m="$m" -v ml="$ml" \
    'BEGIN { printf "  %-40s %8.2f %10.1f %12.1f %8s\n", n, s, m / 1024, ml, (s <= 15 ? "yes" : "NO") }'
done

: > "$out/runs"
for ((i = 0; i < runs; i++)); do
  measure "$vestige" -q segment-lesion "$ircadb" --click 99.6,135.2,158.4 -o "$out/lesion.nii.gz" >> "$out/runs"
done
s=$(cut -d' ' -f1 "$out/runs" | median)
echo "One-click lesion (IRCADb 17 tumour 1, load + segment + write): median $s s"
