#!/usr/bin/env bash
# Checks that every library the build links is installed by scripts/install-deps.sh: each library file named on a
# link line must belong to a package that install-deps.sh names, or that their Depends / Pre-Depends chain pulls
# in (install-deps.sh installs with --no-install-recommends, so a Recommends does not count), or to an Essential
# package. A library that only a developer's machine happens to have (libfftw3-dev is merely a Recommends of
# libinsighttoolkit5-dev, so `-lfftw3` failed to link on a fresh Debian 12) fails here, on any machine.
#
# Usage: scripts/check-link-deps.sh BUILD_DIR     (a Ninja build tree, configured; it need not be built)
# Exit: 0 all covered, 1 a library is not covered or not found, 77 cannot check here (no Ninja tree, no dpkg).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:?usage: check-link-deps.sh BUILD_DIR}" && pwd)

if ! command -v dpkg-query >/dev/null || ! command -v apt-cache >/dev/null; then
  echo "check-link-deps: not a Debian system (no dpkg/apt-cache): cannot check" >&2
  exit 77
fi
if [[ ! -f $build/build.ninja ]] || ! command -v ninja >/dev/null; then
  echo "check-link-deps: $build is not a Ninja build tree: cannot check" >&2
  exit 77
fi

mapfile -t named < <("$here/scripts/install-deps.sh" --list)

# The closure install-deps.sh installs: the named packages and everything they Depend / Pre-Depend on, recursively
# (virtual names resolve to their providers), plus the Essential packages every Debian system has.
declare -A covered=()
while read -r p; do
  [[ -n $p ]] && covered[${p%%:*}]=1
done < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
  --no-enhances "${named[@]}" 2>/dev/null | sed -n 's/^\([^ <][^ ]*\)$/\1/p; s/^    \([^ <][^ ]*\)$/\1/p')
while read -r p e; do
  [[ $e == yes ]] && covered[${p%%:*}]=1
done < <(dpkg-query -W -f='${Package} ${Essential}\n')

# Every library file or -l name on a link line of the build (static archives of the build itself excluded).
declare -A files=() unresolved=()
while read -r token; do
  case $token in
  -l*)
    name=${token#-l}
    f=$(${CXX:-c++} -print-file-name="lib$name.so")
    [[ $f == /* ]] || f=$(${CXX:-c++} -print-file-name="lib$name.a")
    if [[ $f == /* ]]; then files[$(realpath -s "$f")]=$token; else unresolved[$token]=1; fi
    ;;
  /*)
    [[ $token == "$build"/* ]] || files[$(realpath -s "$token")]=$token
    ;;
  esac
done < <(ninja -C "$build" -t commands 2>/dev/null | grep -v -e ' -c ' | grep -e ' -o ' |
  tr ' ' '\n' | grep -E '^(-l[^ ]+|/[^ ]+\.(so(\.[0-9.]+)?|a))$' | sort -u)

status=0
for token in "${!unresolved[@]}"; do
  echo "check-link-deps: the build links $token, but no file on this machine provides it:" \
    "add the -dev package that ships lib${token#-l}.so to scripts/install-deps.sh" >&2
  status=1
done
checked=0
for f in "${!files[@]}"; do
  # dpkg knows a file under the path its package ships; on a merged-/usr system /lib is /usr/lib.
  owner=""
  for candidate in "$f" "${f#/usr}" "/usr$f" "$(realpath "$f")"; do
    owner=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) && [[ -n $owner ]] && break
  done
  checked=$((checked + 1))
  if [[ -z $owner ]]; then
    echo "check-link-deps: $f (${files[$f]}) belongs to no Debian package: the build would not find it on a" \
      "fresh machine" >&2
    status=1
  elif [[ -z ${covered[$owner]:-} ]]; then
    echo "check-link-deps: $f (${files[$f]}) comes from $owner, which scripts/install-deps.sh neither names nor" \
      "pulls in through Depends (a Recommends is not installed): add $owner to it" >&2
    status=1
  fi
done
if [[ $status -eq 0 ]]; then
  echo "check-link-deps: all $checked libraries linked by the build come from packages install-deps.sh installs" \
    "(${#named[@]} named, ${#covered[@]} with their Depends chain and the Essential set)"
fi
exit $status
