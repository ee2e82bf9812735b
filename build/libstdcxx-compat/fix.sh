#!/usr/bin/env bash
# Makes TorchSharp's libLibTorchSharp.so (built against GCC 13's libstdc++) load on systems whose
# libstdc++ predates GLIBCXX_3.4.32 (e.g. Debian 12, GCC 12). It only references that version for
# std::ios_base_library_init(), so we: (1) build a tiny shim library defining that function,
# (2) mark the GLIBCXX_3.4.32 version need WEAK, (3) clear the symbol's version binding and
# (4) add the shim as a DT_NEEDED entry. Nothing is done where the system libstdc++ is new enough.
# Usage: fix.sh DIR...   (patches every libLibTorchSharp.so found under the given directories)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ "$(uname -s)" = Linux ] || exit 0

libstdcxx="$( (ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}') || true)"
[ -n "$libstdcxx" ] || libstdcxx=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
if [ -f "$libstdcxx" ] && grep -aqx 'GLIBCXX_3.4.32' <(strings -a "$libstdcxx" 2>/dev/null || tr -c '[:print:]' '\n' < "$libstdcxx"); then
  exit 0 # system libstdc++ is new enough: leave TorchSharp untouched
fi

mapfile -t libs < <(find "$@" -name libLibTorchSharp.so -type f 2>/dev/null || true)
[ "${#libs[@]}" -gt 0 ] || exit 0

if ! command -v patchelf >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "libstdcxx-compat: installing patchelf" >&2
    (apt-get install -y -qq patchelf >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq patchelf >/dev/null 2>&1; })
  fi
  command -v patchelf >/dev/null 2>&1 || { echo "libstdcxx-compat: patchelf is required (apt-get install patchelf)" >&2; exit 1; }
fi

cache="${COSEG_COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coseg-libstdcxx-compat}"
mkdir -p "$cache"
if [ ! -x "$cache/weaken_verneed" ] || [ "$here/weaken_verneed.c" -nt "$cache/weaken_verneed" ]; then
  cc -O2 -o "$cache/weaken_verneed.tmp.$$" "$here/weaken_verneed.c" && mv -f "$cache/weaken_verneed.tmp.$$" "$cache/weaken_verneed"
fi
shim_name=libcoseg_stdcxx_shim.so
if [ ! -f "$cache/$shim_name" ] || [ "$here/shim.cpp" -nt "$cache/$shim_name" ]; then
  c++ -O2 -shared -fPIC -o "$cache/$shim_name.tmp.$$" "$here/shim.cpp" && mv -f "$cache/$shim_name.tmp.$$" "$cache/$shim_name"
fi

for lib in "${libs[@]}"; do
  dir="$(dirname "$lib")"
  cp -f "$cache/$shim_name" "$dir/$shim_name"
  if patchelf --print-needed "$lib" | grep -qx "$shim_name"; then continue; fi
  tmp="$lib.patching.$$"
  cp -f "$lib" "$tmp"
  "$cache/weaken_verneed" "$tmp" GLIBCXX_3.4.32 || { rc=$?; [ $rc = 3 ] || { rm -f "$tmp"; exit $rc; }; }
  patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$tmp"
  patchelf --add-needed "$shim_name" "$tmp"
  mv -f "$tmp" "$lib"
  echo "libstdcxx-compat: patched $lib" >&2
done
