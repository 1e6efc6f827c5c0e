#!/usr/bin/env bash
# Builds logship and runs the benchmarks: bench/docker-logs, then bench/docker-tail.
# Extra arguments go to both, e.g. `bench/run.sh --runs 1 --json /tmp/bench.json`; options only
# one benchmark knows go to that one alone (--follow-ref: docker-logs; --skip-live, --file,
# --cpu-prof: docker-tail). `--json FILE` writes FILE for docker-logs and FILE with its `.json`
# replaced by `.docker-tail.json` for docker-tail. `--only docker-logs|docker-tail` runs one.
# $BENCH_RUNS sets --runs for both. Exit status is the highest of the benchmarks' (non-zero only
# when lines were missing or duplicated, or a run failed; never for speed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

only=""
logs_args=()
tail_args=()
# $BENCH_RUNS sets the number of runs of both (docker-tail reads it itself; a --runs given wins)
if [ -n "${BENCH_RUNS:-}" ]; then logs_args+=(--runs "$BENCH_RUNS"); fi
while [ $# -gt 0 ]; do
  case "$1" in
    --only=* | --file=* | --cpu-prof=* | --json=*) set -- "${1%%=*}" "${1#*=}" "${@:2}"; continue ;;
    --only)
      only="${2:?--only needs docker-logs or docker-tail}"
      case "$only" in docker-logs | docker-tail) ;; *) echo "bench/run.sh: --only docker-logs|docker-tail" >&2; exit 2 ;; esac
      shift 2 ;;
    --follow-ref) logs_args+=("$1"); shift ;;
    --skip-live) tail_args+=("$1"); shift ;;
    --file | --cpu-prof) tail_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --json)
      json="${2:?--json needs a file}"
      logs_args+=(--json "$json")
      tail_args+=(--json "${json%.json}.docker-tail.json")
      shift 2 ;;
    -h | --help)
      sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
      echo
      node bench/docker-logs/run.mjs --help
      echo
      node bench/docker-tail/run.mjs --help
      exit 0 ;;
    *) logs_args+=("$1"); tail_args+=("$1"); shift ;;
  esac
done

if ! docker image inspect logship-test/busybox:1 >/dev/null 2>&1; then
  scripts/docker-up.sh
fi
npm run build

status=0
if [ "$only" != docker-tail ]; then
  echo "== bench/docker-logs =="
  node bench/docker-logs/run.mjs ${logs_args[@]+"${logs_args[@]}"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
fi
if [ "$only" != docker-logs ]; then
  echo
  echo "== bench/docker-tail =="
  node bench/docker-tail/run.mjs ${tail_args[@]+"${tail_args[@]}"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
fi
exit "$status"
