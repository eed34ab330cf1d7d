#!/usr/bin/env bash
# Installs the Debian 12 packages Vestige needs to build, test and benchmark, when any is missing.
# Needs root (or sudo) only when something must be installed. Non-interactive.
# Packages are installed without their Recommends, so everything the build links must be named here or be in the
# Depends chain of what is: scripts/check-link-deps.sh (the test install.link_deps) checks that.
# Usage: scripts/install-deps.sh          install what is missing
#        scripts/install-deps.sh --list   print the package names, one per line
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libinsighttoolkit5-dev libvtk9-dev libdcmtk-dev libgdcm-dev libgdcm-tools libgtest-dev libgmock-dev
  # A Recommends of libinsighttoolkit5-dev, yet ITK's exported link interface names -lfftw3 and -lfftw3f.
  libfftw3-dev
  libcli11-dev nlohmann-json3-dev libcairo2-dev
  # vestige view: Qt 5 widgets, OpenGL and QTest, and VTK's Qt widget (QVTKOpenGLNativeWidget).
  qtbase5-dev libqt5opengl5-dev libvtk9-qt-dev
  xvfb xauth dcmtk dicom3tools elastix plastimatch python3-numpy
  # pdftotext / pdftoppm: the report tests read the PDF's text on every page.
  poppler-utils
  # The PACS tests and benchmark run a private Orthanc; openssl makes the DICOM TLS test's certificates; curl polls
  # Orthanc's REST API in the benchmark.
  orthanc openssl curl
)
if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
echo "vestige: installing missing Debian packages: ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "vestige: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq < /dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" < /dev/null > /dev/null
