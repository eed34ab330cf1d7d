#!/usr/bin/env bash
# Benchmark (issue 19): retrieve the HCC_009 studies (2 studies, 6 series, 344 CT instances) by C-GET from a private
# Orthanc on the loopback, `vestige pacs get` beside DCMTK's `getscu`, same server, same studies, one run each
# (goal: Vestige at least 0.9 of getscu's throughput). Prints MB/s (bytes written / wall time) and peak memory.
# Usage: pacs_get.sh VESTIGE_BINARY TESTDATA_DIR
set -euo pipefail
vestige=$1
data=$2
hcc="$data/hcc-tace-seg-009"
[[ -d $hcc ]] || { echo "benchmark: HCC_009 not found under $data" >&2; exit 2; }
for tool in /usr/sbin/Orthanc getscu curl; do
  command -v "$tool" >/dev/null || { echo "benchmark: $tool is not installed (scripts/install-deps.sh)" >&2; exit 2; }
done
work=$(mktemp -d)
orthanc_pid=""
cleanup() { [[ -n $orthanc_pid ]] && kill -9 "$orthanc_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dicom_port=$(free_port); http_port=$(free_port)
mkdir -p "$work/db"
cat > "$work/orthanc.json" <<JSON
{ "Name": "vestige-bench", "StorageDirectory": "$work/db", "IndexDirectory": "$work/db", "HttpPort": $http_port,
  "DicomPort": $dicom_port, "DicomAet": "ORTHANC", "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
  "Plugins": [], "StorageCompression": false,
  "DicomModalities": { "vestige": ["VESTIGE", "127.0.0.1", 104], "getscu": ["GETSCU", "127.0.0.1", 104] } }
JSON
/usr/sbin/Orthanc "$work/orthanc.json" > "$work/orthanc.log" 2>&1 &
orthanc_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http_port/system" >/dev/null && break; sleep 0.1; done
"$vestige" -q pacs send --pacs "ORTHANC@127.0.0.1:$dicom_port" "$hcc" > /dev/null
studies=$("$vestige" -q pacs find --json --pacs "ORTHANC@127.0.0.1:$dicom_port" |
  python3 -c 'import json,sys; print(" ".join(s["study_uid"] for s in json.load(sys.stdin)))')

# Prints "<wall seconds> <peak RSS kB>" of one run of the command.
measure() {
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  cat "$work/time"
}
run_vestige() {
  for s in $studies; do
    "$vestige" -q pacs get --pacs "ORTHANC@127.0.0.1:$dicom_port" --study "$s" -o "$work/vestige"
  done
}
run_getscu() {
  mkdir -p "$work/getscu"
  for s in $studies; do
    getscu -aet GETSCU -aec ORTHANC -S -k QueryRetrieveLevel=STUDY -k StudyInstanceUID="$s" -od "$work/getscu" \
      127.0.0.1 "$dicom_port"
  done
}
export -f run_vestige run_getscu
export vestige studies dicom_port work
# Orthanc reads its storage once before either is timed, so neither pays for a cold page cache.
run_getscu > /dev/null 2>&1; rm -rf "$work/getscu"
read -r ours_s ours_kb < <(measure bash -c run_vestige)
read -r theirs_s theirs_kb < <(measure bash -c run_getscu)
ours_bytes=$(du -sb "$work/vestige" | cut -f1); theirs_bytes=$(du -sb "$work/getscu" | cut -f1)
ours_n=$(find "$work/vestige" -type f | wc -l); theirs_n=$(find "$work/getscu" -type f | wc -l)
echo "PACS C-GET: HCC_009, 2 studies, local Orthanc $("/usr/sbin/Orthanc" --version | head -1 | cut -d' ' -f2), one run, $(nproc) cores"
printf '  %-22s %10s %8s %10s %10s\n' "tool" "instances" "wall s" "MB/s" "peak MB"
awk -v n="vestige pacs get" -v c="$ours_n" -v s="$ours_s" -v m="$ours_kb" -v b="$ours_bytes" \
  'BEGIN { printf "  %-22s %10d %8.2f %10.1f %10.1f\n", n, c, s, b / 1e6 / s, m / 1024 }'
awk -v n="getscu" -v c="$theirs_n" -v s="$theirs_s" -v m="$theirs_kb" -v b="$theirs_bytes" \
  'BEGIN { printf "  %-22s %10d %8.2f %10.1f %10.1f\n", n, c, s, b / 1e6 / s, m / 1024 }'
awk -v a="$ours_bytes" -v sa="$ours_s" -v b="$theirs_bytes" -v sb="$theirs_s" \
  'BEGIN { r = (a / sa) / (b / sb); printf "  throughput ratio vestige/getscu: %.2f (goal >= 0.90): %s\n", r, (r >= 0.9 ? "met" : "NOT met") }'
