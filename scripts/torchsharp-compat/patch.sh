#!/usr/bin/env bash
# Makes TorchSharp's native library loadable on a libstdc++ without GLIBCXX_3.4.32 (Debian 12 has 3.4.30).
#   patch.sh SOURCE_LIB OUT_DIR
# Writes OUT_DIR/libLibTorchSharp.so and OUT_DIR/libu2pl_glibcxx_compat.so when the system libstdc++ lacks the version,
# and removes both from OUT_DIR when it has it (the build then uses the package's library unchanged). Called by the
# build (Directory.Build.targets), never by hand; the NuGet cache is not touched.
#
# libLibTorchSharp.so 0.107.0 needs GLIBCXX_3.4.32 for one symbol, std::ios_base_library_init() (GCC 13). The patched
# copy: that symbol loses its version (patchelf --clear-symbol-version), the GLIBCXX_3.4.32 entry of .gnu.version_r is
# marked VER_FLG_WEAK (a missing weak version is not an error for the loader), and a small library that defines the
# symbol (glibcxx_compat.cpp) is added as NEEDED; the library's RUNPATH already starts with $ORIGIN.
set -euo pipefail
source_lib="$1"
out_dir="$2"
symbol=_ZSt21ios_base_library_initv
version=GLIBCXX_3.4.32

libstdcxx="$(/sbin/ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')"
if [[ -z "$libstdcxx" ]]; then libstdcxx="$(/sbin/ldconfig -p | awk '/libstdc\+\+\.so\.6/ { print $NF; exit }')"; fi
if [[ -n "$libstdcxx" ]] && grep -qa "$version" "$libstdcxx"; then
  rm -f "$out_dir/libLibTorchSharp.so" "$out_dir/libu2pl_glibcxx_compat.so" "$out_dir/needed"
  exit 0
fi

mkdir -p "$out_dir"
exec 9> "$out_dir/.lock"
flock 9
if [[ -f "$out_dir/libLibTorchSharp.so" && -f "$out_dir/libu2pl_glibcxx_compat.so" && "$(cat "$out_dir/needed" 2>/dev/null)" == "$source_lib" ]]; then
  exit 0
fi

for tool in patchelf g++ readelf; do
  if ! command -v "$tool" > /dev/null; then
    echo "torchsharp-compat: $tool is missing: the system libstdc++ ($libstdcxx) lacks $version, and making TorchSharp load needs patchelf, g++ and binutils (scripts/install-deps.sh installs them)" >&2
    exit 1
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
g++ -shared -fPIC -O2 -o "$work/libu2pl_glibcxx_compat.so" "$(dirname "$0")/glibcxx_compat.cpp"
cp "$source_lib" "$work/libLibTorchSharp.so"
patchelf --clear-symbol-version "$symbol" "$work/libLibTorchSharp.so"
patchelf --add-needed libu2pl_glibcxx_compat.so "$work/libLibTorchSharp.so"

# vna_flags is the 16-bit field at byte 4 of the Vernaux entry that names the version.
section_offset=$(readelf -S -W "$work/libLibTorchSharp.so" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == ".gnu.version_r" { print $4 }')
entry_offset=$(readelf -V -W "$work/libLibTorchSharp.so" | awk -v v="$version" '$2 == "Name:" && $3 == v { sub(":", "", $1); print $1 }')
if [[ -z "$section_offset" || -z "$entry_offset" ]]; then
  echo "torchsharp-compat: no $version entry in .gnu.version_r of $source_lib: is this TorchSharp 0.107.0?" >&2
  exit 1
fi
printf '\x02\x00' | dd of="$work/libLibTorchSharp.so" bs=1 seek=$((16#$section_offset + entry_offset + 4)) conv=notrunc status=none

mv "$work/libu2pl_glibcxx_compat.so" "$work/libLibTorchSharp.so" "$out_dir/"
echo "$source_lib" > "$out_dir/needed"
