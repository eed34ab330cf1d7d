#!/usr/bin/env bash
# README command (1): the main job. Installs what is missing, builds the `vestige` command, then lists the DICOM
# series of FOLDER (default: the shared HCC_009 data set when ../shared/data exists).
# Usage: scripts/demo.sh [FOLDER]
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
folder=${1:-}
if [[ -z $folder ]]; then
  shared=$here/../shared/data
  if [[ -x $shared/unpack ]]; then
    "$shared/unpack" "$build/testdata" hcc-tace-seg-009 > /dev/null
    folder=$build/testdata/hcc-tace-seg-009
  else
    echo "vestige: no folder given and no ../shared/data here; usage: scripts/demo.sh DICOM_FOLDER" >&2
    exit 2
  fi
fi
echo "\$ vestige dicom ls $folder"
"$vestige" dicom ls "$folder"
