#!/usr/bin/env bash
# Builds the local test images from Debian's busybox-static (no registry needed):
#   logship-test/busybox:1     busybox with the usual applets (sh, tail, cat, ...)
#   logship-test/distroless:1  a single static binary, no sh and no tail
#   logship-test/debian:1      Debian bookworm (debootstrap): nginx-light, logrotate, python3, procps, a headless JRE
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

# Real Debian programs for the real-program tests: nginx with logrotate, Python 3, procps and a
# headless JRE, from the same Debian mirror this machine's apt uses (read from its sources here,
# so that no host name is written into the repository).
debian_mirror() {
  local suite="$1" file
  # one-line format: deb [options] URI SUITE COMPONENTS...
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    sed -e 's/\[[^]]*\]//' "$file" | awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }'
  done
  # deb822 format: stanzas of "Key: value" lines separated by blank lines
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk -v s="$suite" '
      function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " s " ") && enabled != "no" && uris != "") { split(uris, u, " "); print u[1]; found = 1; exit } types = suites = uris = enabled = "" }
      /^[ \t]*$/ { flush(); next }
      /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
      /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
      /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
      /^Enabled:/ { sub(/^Enabled:[ \t]*/, ""); enabled = tolower($0) }
      END { if (!found) flush() }' "$file"
  done
}

if ! docker image inspect logship-test/debian:1 >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { apt-get install -y -q debootstrap >/dev/null || { echo "build-test-images: cannot install debootstrap (apt-get install debootstrap)" >&2; exit 1; }; }
  mirror="$(debian_mirror bookworm | head -n 1)"
  [ -n "$mirror" ] || { echo "build-test-images: no 'bookworm' entry in /etc/apt/sources.list or sources.list.d/*.{list,sources}; add the Debian mirror apt uses" >&2; exit 1; }
  root="$work/debian"
  echo "build-test-images: building logship-test/debian:1 from $mirror (a few minutes, once)" >&2
  debootstrap --variant=minbase --include=nginx-light,logrotate,python3,procps,default-jre-headless \
    bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  # the JRE's postinst leaves caches behind; apt lists are not needed in a test image
  rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
  tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["bash"]' - logship-test/debian:1 >/dev/null
  echo "build-test-images: built logship-test/debian:1" >&2
fi
