#!/usr/bin/env bash
# Builds the local test images from Debian's busybox-static (no registry needed):
#   logship-test/busybox:1     busybox with the usual applets (sh, tail, cat, ...)
#   logship-test/distroless:1  a single static binary, no sh and no tail
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! docker image inspect logship-test/busybox:1 >/dev/null 2>&1; then
  root="$work/busybox"
  mkdir -p "$root/bin" "$root/tmp" "$root/var/log" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - logship-test/busybox:1 >/dev/null
  echo "build-test-images: built logship-test/busybox:1" >&2
fi

if ! docker image inspect logship-test/distroless:1 >/dev/null 2>&1; then
  root="$work/distroless"
  mkdir -p "$root/app" "$root/tmp"
  # A single program under an unusual name: no shell, no tail, like distroless images.
  cp /bin/busybox "$root/app/busybox"
  tar -C "$root" -c . | docker import -c 'ENTRYPOINT ["/app/busybox"]' - logship-test/distroless:1 >/dev/null
  echo "build-test-images: built logship-test/distroless:1" >&2
fi
