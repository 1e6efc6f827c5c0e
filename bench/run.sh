#!/usr/bin/env bash
# Builds logship and runs the benchmarks: bench/docker-logs, bench/docker-tail, then bench/kafka.
# Extra arguments go to all, e.g. `bench/run.sh --runs 1 --json /tmp/bench.json`; options only
# some benchmarks know go to those alone (--follow-ref: docker-logs; --skip-catch-up: docker-logs
# and docker-tail; --skip-live, --file: docker-tail; --cpu-prof: docker-tail and kafka;
# --records, --message-bytes, --compression, --e2e-compression, --skip-producer, --skip-e2e,
# --no-verify, --brokers, --keep-topics: kafka). `--json FILE` writes FILE for docker-logs and FILE
# with its `.json` replaced by `.docker-tail.json` / `.kafka.json` for the others.
# `--only docker-logs|docker-tail|kafka` runs one (kafka starts the broker with scripts/kafka-up.sh
# when it is selected). $BENCH_RUNS sets --runs for all. Exit status is the highest of the
# benchmarks' (non-zero only when lines were missing or duplicated, or a run failed; never for speed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

only=""
logs_args=()
tail_args=()
kafka_args=()
# $BENCH_RUNS sets the number of runs of all (docker-tail and kafka read it themselves; a --runs given wins)
if [ -n "${BENCH_RUNS:-}" ]; then logs_args+=(--runs "$BENCH_RUNS"); fi
while [ $# -gt 0 ]; do
  case "$1" in
    --only=* | --file=* | --cpu-prof=* | --json=* | --records=* | --message-bytes=* | --compression=* | --e2e-compression=* | --brokers=*)
      set -- "${1%%=*}" "${1#*=}" "${@:2}"; continue ;;
    --only)
      only="${2:?--only needs docker-logs, docker-tail or kafka}"
      case "$only" in docker-logs | docker-tail | kafka) ;; *) echo "bench/run.sh: --only docker-logs|docker-tail|kafka" >&2; exit 2 ;; esac
      shift 2 ;;
    --follow-ref) logs_args+=("$1"); shift ;;
    --skip-catch-up) logs_args+=("$1"); tail_args+=("$1"); shift ;;
    --skip-live) tail_args+=("$1"); shift ;;
    --file) tail_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --cpu-prof) tail_args+=("$1" "${2:?$1 needs a value}"); kafka_args+=("$1" "$2"); shift 2 ;;
    --skip-producer | --skip-e2e | --no-verify | --keep-topics) kafka_args+=("$1"); shift ;;
    --records | --message-bytes | --compression | --e2e-compression | --brokers) kafka_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --json)
      json="${2:?--json needs a file}"
      logs_args+=(--json "$json")
      tail_args+=(--json "${json%.json}.docker-tail.json")
      kafka_args+=(--json "${json%.json}.kafka.json")
      shift 2 ;;
    -h | --help)
      sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
      echo
      node bench/docker-logs/run.mjs --help
      echo
      node bench/docker-tail/run.mjs --help
      echo
      node bench/kafka/run.mjs --help
      exit 0 ;;
    *) logs_args+=("$1"); tail_args+=("$1"); kafka_args+=("$1"); shift ;;
  esac
done

if ! docker image inspect logship-test/busybox:1 >/dev/null 2>&1; then
  scripts/docker-up.sh
fi
npm run build

status=0
if [ -z "$only" ] || [ "$only" = docker-logs ]; then
  echo "== bench/docker-logs =="
  node bench/docker-logs/run.mjs ${logs_args[@]+"${logs_args[@]}"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
fi
if [ -z "$only" ] || [ "$only" = docker-tail ]; then
  echo
  echo "== bench/docker-tail =="
  node bench/docker-tail/run.mjs ${tail_args[@]+"${tail_args[@]}"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
fi
if [ -z "$only" ] || [ "$only" = kafka ]; then
  echo
  echo "== bench/kafka =="
  # idempotent: starts nothing when a broker already answers (bench/kafka/run.mjs also waits
  # out a broker that is being restarted)
  scripts/kafka-up.sh || status=2
  if [ "$status" -lt 2 ]; then
    node bench/kafka/run.mjs ${kafka_args[@]+"${kafka_args[@]}"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
  fi
fi
exit "$status"
