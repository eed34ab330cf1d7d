#!/usr/bin/env bash
# Benchmark (issue 6): `vestige plan Data/cases/hcc009/case.json -o OUT` end to end with 2 threads (DICOM loading,
# automatic segmentation of both livers, registration, projection, resection, plan.json and masks), with and
# without the report (`--no-report`: no report.html/.pdf, meshes or DICOM exports). Wall time and peak RSS from
# /usr/bin/time, median of RUNS runs; then the key figures of plan.json beside the issue's bar (the whole run under
# 60 s on 2 cores). There is no reference tool for the plan, so only Vestige's figures are printed.
# Peak RSS is the largest single process (GNU time's maximum resident set), not a sum over child processes.
# The case file's series paths point into build/testdata; a copy with them moved under TESTDATA_DIR is planned.
# Usage: plan_hcc009.sh VESTIGE_BINARY TESTDATA_DIR SOURCE_DIR [RUNS]
set -euo pipefail
vestige=$1
data=$2
source_dir=$3
runs=${4:-1}
case_file="$source_dir/Data/cases/hcc009/case.json"
[[ -f $case_file ]] || { echo "benchmark: $case_file not found" >&2; exit 2; }
[[ -d $data/hcc-tace-seg-009 ]] || { echo "benchmark: HCC_009 not found under $data (unpack ../shared/data)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The case with its series under $data (its other keys unchanged).
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
    if not os.path.isdir(c[key]["series"]):
        sys.exit("benchmark: %s series not found: %s" % (key, c[key]["series"]))
json.dump(c, open(target, "w"), indent=2)
PY

# Prints "<wall seconds> <peak RSS kB>" of one run of the command.
measure() {
  /usr/bin/time -f '%e %M' -o "$out/time" "$@" > "$out/stdout" 2> "$out/stderr" || {
    cat "$out/stderr" >&2
    exit 1
  }
  cat "$out/time"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$out/plan_only.txt"
: > "$out/with_report.txt"
for ((i = 0; i < runs; i++)); do
  rm -rf "$out/plan_only" "$out/with_report"
  measure "$vestige" -q --threads 2 plan "$out/case.json" -o "$out/plan_only" --no-report >> "$out/plan_only.txt"
  cp "$out/plan_only/plan.json" "$out/plan_only_$i.json"
  measure "$vestige" -q --threads 2 plan "$out/case.json" -o "$out/with_report" >> "$out/with_report.txt"
  cp "$out/with_report/plan.json" "$out/with_report_$i.json"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 - "$out" "$runs" "$(nproc)" "$load_before" "$load_after" << 'PY'
import json, statistics, sys
out, runs, cores, load_before, load_after = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def timing(name):
    rows = [list(map(float, l.split())) for l in open("%s/%s.txt" % (out, name)) if l.strip()]
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows) / 1024, [r[0] for r in rows]
bar_s = 60.0
print("Plan: vestige plan Data/cases/hcc009/case.json (HCC_009, 1 site, automatic livers), 2 threads,")
print("median of %d run(s), %s cores, load average %s before, %s after" % (runs, cores, load_before, load_after))
print("  %-34s %8s %9s   %-14s %s" % ("run", "wall s", "peak MB", "bar", "all runs (s)"))
for name, label in (("plan_only", "plan only (--no-report)"), ("with_report", "plan + report (default)")):
    s, mb, all_s = timing(name)
    verdict = "met" if s < bar_s else "NOT met"
    print("  %-34s %8.1f %9.0f   < %.0f s: %-7s %s" % (label, s, mb, bar_s, verdict, " ".join("%.1f" % v for v in all_s)))

plans = [json.load(open("%s/%s_%d.json" % (out, n, i))) for i in range(runs) for n in ("plan_only", "with_report")]
p = plans[-1]
v = p["volumes_ml"]
def same(key):
    values = {round(q["volumes_ml"][key], 1) for q in plans}
    return "" if len(values) == 1 else "  (differs between runs: %s)" % sorted(values)
print("Key figures (plan.json of the last run):")
print("  liver %.1f mL%s, visible tumour %.1f mL" % (v["liver"], same("liver"), v["tumour"]))
print("  resected %.1f mL%s, remnant %.1f mL%s, usable remnant %.1f mL in %d piece(s)" % (
    v["resected"], same("resected"), v["remnant"], same("remnant"), v["usable_remnant"], p["remnant_pieces"]))
sflr = p.get("sflr_percent")
print("  FLR %.1f %%, sFLR %s, minimum %.0f %%: %s" % (
    p["flr_percent"], "%.1f %%" % sflr if sflr is not None else "none (no height/weight)",
    p["flr_threshold_percent"], "sufficient" if p["flr_sufficient"] else "INSUFFICIENT"))
for s in p["scenarios"]:
    print("  scenario %-20s resect %7.1f mL, usable remnant %7.1f mL, FLR %5.1f %%" % (
        s["name"], s["resected_ml"], s["usable_remnant_ml"], s["flr_percent"]))
for l in p["lesions"]:
    print("  %s: %s%s, baseline %.0f mL, uncertainty %.1f mm, grown by %.1f mm%s" % (
        l["id"], l["status"], " (radiologist)" if l.get("status_overridden") else "", l["baseline_volume_ml"],
        l["uncertainty_mm"], l["grow_mm"], "  MISSING METASTASIS under visible-only" if l["missing_metastasis"] else ""))
r = p["registration"]
print("  registration %.1f s, Jacobian %.2f .. %.2f, liver Dice %s" % (
    r["seconds"], r["min_jacobian"], r["max_jacobian"],
    "%.3f" % r["liver_dice"] if r.get("liver_dice") is not None else "n/a"))
for note in p.get("notes", []):
    print("  note: %s" % note)
PY
