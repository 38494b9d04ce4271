# shellcheck shell=bash
# Offline container images made from this machine's own binaries: no image
# registry is needed (CI has none). A root holds the binaries, every library
# `ldd` lists for them (with the loader), and whatever extra paths are given;
# `docker import` turns it into an image.

# import_host_image TAG 'BINARY...' [EXTRA_PATH | link:TARGET=LINK ...]
import_host_image() {
  local tag="$1" binaries="$2"
  shift 2
  local root
  root="$(mktemp -d "${TMPDIR:-/tmp}/mxv-image-XXXXXX")"
  local bin
  for bin in $binaries; do
    cp -L --parents "$bin" "$root/"
    # Lines look like "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)".
    ldd "$bin" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | while read -r lib; do
      cp -L --parents "$lib" "$root/"
    done
  done
  local extra
  for extra in "$@"; do
    case "$extra" in
      link:*)
        extra="${extra#link:}"
        mkdir -p "$root$(dirname "${extra#*=}")"
        ln -sf "${extra%%=*}" "$root${extra#*=}"
        ;;
      *) if [ -e "$extra" ]; then cp -r -L --parents "$extra" "$root/"; fi ;;
    esac
  done
  mkdir -p "$root/tmp" "$root/data" "$root/etc"
  chmod 1777 "$root/tmp"
  # Dockerfiles run as `node` (uid 1000), as the official Node images do.
  printf 'root:x:0:0:root:/root:/bin/false\nnode:x:1000:1000:node:/home/node:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
  mkdir -p "$root/home/node" "$root/root"
  chown 1000:1000 "$root/home/node" "$root/data"
  tar -C "$root" -c . | docker import - "$tag" >/dev/null
  rm -rf "$root"
}
