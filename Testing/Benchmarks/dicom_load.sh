#!/usr/bin/env bash
# Benchmark (issue 2): load the HCC_009 contrast series (baseline "4.000000-Recon 2 LIVER 3 PHASE CAP", 69 CT
# slices) from DICOM into a volume file, Vestige beside plastimatch in the same run, both writing 16-bit MetaImage.
# Also times a header-only catalog of all of ../shared/data (target: under 2 s warm).
# Usage: dicom_load.sh VESTIGE_BINARY TESTDATA_DIR [RUNS]
set -euo pipefail
vestige=$1
data=$2
runs=${3:-7}
series=$(find "$data/hcc-tace-seg-009" -type d -name '4.000000-Recon 2 LIVER 3 PHASE CAP*' | head -1)
[[ -d $series ]] || { echo "benchmark: HCC_009 baseline series not found under $data" >&2; exit 2; }
command -v plastimatch >/dev/null || { echo "benchmark: plastimatch is not installed (scripts/install-deps.sh)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bytes=$(du -sb "$series" | cut -f1)
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

# Prints "<wall seconds> <peak RSS kB>" of one run of the command.
measure() {
  /usr/bin/time -f '%e %M' -o "$out/time" "$@" > /dev/null 2> "$out/stderr" || { cat "$out/stderr" >&2; exit 1; }
  cat "$out/time"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

ours=(  "$vestige" -q dicom convert "$series" -o "$out/vestige.mha")
theirs=(plastimatch convert --input "$series" --output-img "$out/plastimatch.mha" --output-type short)
measure "${ours[@]}" > /dev/null; measure "${theirs[@]}" > /dev/null   # warm the page cache for both
: > "$out/ours"; : > "$out/theirs"
for ((i = 0; i < runs; i++)); do
  measure "${ours[@]}" >> "$out/ours"
  measure "${theirs[@]}" >> "$out/theirs"
done
ours_s=$(cut -d' ' -f1 "$out/ours" | median); theirs_s=$(cut -d' ' -f1 "$out/theirs" | median)
ours_m=$(cut -d' ' -f2 "$out/ours" | median); theirs_m=$(cut -d' ' -f2 "$out/theirs" | median)
echo "DICOM series load: HCC_009 '4.000000-Recon 2 LIVER 3 PHASE CAP', 69 slices, $mb MB of DICOM, median of $runs runs, $(nproc) cores"
printf '  %-34s %8s %10s %12s\n' "tool" "wall s" "MB/s" "peak MB"
awk -v n="vestige dicom convert" -v s="$ours_s" -v m="$ours_m" -v b="$bytes" \
  'BEGIN { printf "  %-34s %8.3f %10.1f %12.1f\n", n, s, b / 1e6 / s, m / 1024 }'
awk -v n="plastimatch convert" -v s="$theirs_s" -v m="$theirs_m" -v b="$bytes" \
  'BEGIN { printf "  %-34s %8.3f %10.1f %12.1f\n", n, s, b / 1e6 / s, m / 1024 }'
awk -v a="$ours_s" -v b="$theirs_s" 'BEGIN { printf "  speed ratio (plastimatch / vestige): %.2fx  (target >= 1.00)\n", b / a }'

# Same voxels? (both 16-bit HU; the headers differ only in formatting)
cmp -s <(tail -c 36175872 "$out/vestige.mha") <(tail -c 36175872 "$out/plastimatch.mha") &&
  echo "  voxels identical: yes" || echo "  voxels identical: NO"

: > "$out/cat"
"$vestige" -q dicom ls "$data" > /dev/null
for ((i = 0; i < runs; i++)); do measure "$vestige" -q dicom ls "$data" >> "$out/cat"; done
files=$(find "$data" -type f | wc -l)
cat_s=$(cut -d' ' -f1 "$out/cat" | median)
echo "Catalog of all of ../shared/data ($files files, warm): median $cat_s s  (target < 2 s)"
