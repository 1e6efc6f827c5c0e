#!/usr/bin/env bash
# Builds logship's container image without any image registry, for the end-to-end test of the
# container form (and for machines that cannot pull node:20). deploy/Dockerfile's build stage
# needs the public node image; here its result is made from this machine instead:
#   1. a root filesystem with this machine's Node 20 binary and the shared libraries ldd lists,
#      plus what the Dockerfile's runtime stage copies: dist/, bin/, pipelines/, the production
#      node_modules (npm ci --omit=dev, as the Dockerfile does) and /etc/logship/pipeline.yaml;
#   2. `docker import` of that tree as a base image;
#   3. `docker build` FROM that base with the runtime stage's metadata instructions (ENV, WORKDIR,
#      VOLUME, EXPOSE, HEALTHCHECK, ENTRYPOINT, CMD) taken from deploy/Dockerfile itself, so the
#      image behaves as the published one would; its COPY and RUN lines are what step 1 did.
# Usage: scripts/build-local-image.sh [TAG]   (default logship-local:dev). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-logship-local:dev}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"

npm run build --silent
mkdir -p "$work/deps" "$root/opt/logship" "$root/etc/logship" "$root/var/lib/logship" "$root/tmp" "$root/usr/local/bin"
cp package.json package-lock.json "$work/deps/"
(cd "$work/deps" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)

node_bin="$(readlink -f "$(command -v node)")"
"$node_bin" -e 'if (process.versions.node.split(".")[0] !== "20") { console.error(`Node 20 expected, found ${process.version}`); process.exit(1) }'
cp "$node_bin" "$root/usr/local/bin/node"
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"

cp -r dist bin pipelines package.json "$root/opt/logship/"
cp -r "$work/deps/node_modules" "$root/opt/logship/"
cp pipelines/default.yaml "$root/etc/logship/pipeline.yaml"

base="${tag%%:*}-base:${tag#*:}"
tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$base" >/dev/null

# the runtime stage: from the last FROM on, its metadata instructions (continuation lines joined)
{
  echo "FROM $base"
  awk '/^FROM /{stage=""; next} {stage = stage $0 "\n"} END {printf "%s", stage}' deploy/Dockerfile |
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |
    grep -E '^(ENV|WORKDIR|VOLUME|EXPOSE|HEALTHCHECK|ENTRYPOINT|CMD|USER|LABEL) '
} > "$work/Dockerfile"
docker build -q -t "$tag" -f "$work/Dockerfile" "$work/deps" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
docker image rm "$base" >/dev/null 2>&1 || true
echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
