#!/usr/bin/env bash
# Builds logship and runs the benchmarks: bench/docker-logs, bench/docker-tail, bench/kafka,
# bench/elasticsearch, bench/transforms, then bench/footprint. Extra arguments go to all, e.g. `bench/run.sh --runs 1
# --json /tmp/bench.json`; options only some benchmarks know go to those alone (--follow-ref:
# docker-logs; --skip-catch-up: docker-logs and docker-tail; --skip-live, --file: docker-tail;
# --lines, --image: docker-logs, docker-tail and kafka; --ref-reps: those and footprint; --cpu-prof:
# docker-tail, kafka, elasticsearch, transforms and footprint; --records, --message-bytes: kafka, elasticsearch and transforms;
# --compression, --e2e-compression, --skip-producer, --skip-e2e, --no-verify, --output-option,
# --keep-topics: kafka; --brokers: kafka and footprint; --refs, --no-gzip, --keep-indices:
# elasticsearch; --es-url: elasticsearch and footprint; --variants, --cpu: transforms; --scenarios
# (footprint's --only), --duration, --steady, --live, --scale, --scale-idle, --idle, --idle-seconds,
# --settle, --catchup-lines: footprint). `--json FILE` writes FILE for docker-logs and FILE with its `.json`
# replaced by `.docker-tail.json` / `.kafka.json` / `.elasticsearch.json` / `.transforms.json` /
# `.footprint.json` for the others. `--only docker-logs|docker-tail|kafka|elasticsearch|transforms|footprint`
# runs one (kafka and footprint start the broker with scripts/kafka-up.sh, elasticsearch and
# footprint the node with scripts/elasticsearch-up.sh, when selected; elasticsearch and transforms
# need no Docker). $BENCH_RUNS sets --runs for all. Exit
# status is the highest of the benchmarks' (non-zero only when lines were missing or duplicated, or
# a run failed; never for speed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

only=""
logs_args=()
tail_args=()
kafka_args=()
es_args=()
tf_args=()
fp_args=()
# $BENCH_RUNS sets the number of runs of all (docker-tail, kafka, elasticsearch and footprint read it themselves; a --runs given wins)
if [ -n "${BENCH_RUNS:-}" ]; then logs_args+=(--runs "$BENCH_RUNS"); fi
while [ $# -gt 0 ]; do
  case "$1" in
    --only=* | --file=* | --cpu-prof=* | --json=* | --records=* | --message-bytes=* | --compression=* | --e2e-compression=* | --brokers=* | --output-option=* | \
      --lines=* | --ref-reps=* | --image=* | --runs=* | --timeout=* | --refs=* | --es-url=* | --variants=* | --cpu=* | \
      --scenarios=* | --duration=* | --steady=* | --live=* | --scale=* | --scale-idle=* | --idle=* | --idle-seconds=* | --settle=* | --catchup-lines=*)
      set -- "${1%%=*}" "${1#*=}" "${@:2}"; continue ;;
    --only)
      only="${2:?--only needs docker-logs, docker-tail, kafka, elasticsearch, transforms or footprint}"
      case "$only" in docker-logs | docker-tail | kafka | elasticsearch | transforms | footprint) ;; *) echo "bench/run.sh: --only docker-logs|docker-tail|kafka|elasticsearch|transforms|footprint" >&2; exit 2 ;; esac
      shift 2 ;;
    --follow-ref) logs_args+=("$1"); shift ;;
    --skip-catch-up) logs_args+=("$1"); tail_args+=("$1"); shift ;;
    --skip-live) tail_args+=("$1"); shift ;;
    --file) tail_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --cpu-prof) tail_args+=("$1" "${2:?$1 needs a value}"); kafka_args+=("$1" "$2"); es_args+=("$1" "$2"); tf_args+=("$1" "$2"); fp_args+=("$1" "$2"); shift 2 ;;
    --skip-producer | --skip-e2e | --no-verify | --keep-topics) kafka_args+=("$1"); shift ;;
    --compression | --e2e-compression | --output-option) kafka_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --brokers) kafka_args+=("$1" "${2:?$1 needs a value}"); fp_args+=("$1" "$2"); shift 2 ;;
    --records | --message-bytes) kafka_args+=("$1" "${2:?$1 needs a value}"); es_args+=("$1" "$2"); tf_args+=("$1" "$2"); shift 2 ;;
    # the container benchmarks' options (bench/elasticsearch has no container)
    --lines | --image) logs_args+=("$1" "${2:?$1 needs a value}"); tail_args+=("$1" "$2"); kafka_args+=("$1" "$2"); shift 2 ;;
    --ref-reps) logs_args+=("$1" "${2:?$1 needs a value}"); tail_args+=("$1" "$2"); kafka_args+=("$1" "$2"); fp_args+=("$1" "$2"); shift 2 ;;
    --runs | --timeout) logs_args+=("$1" "${2:?$1 needs a value}"); tail_args+=("$1" "$2"); kafka_args+=("$1" "$2"); es_args+=("$1" "$2"); tf_args+=("$1" "$2"); fp_args+=("$1" "$2"); shift 2 ;;
    --refs) es_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --es-url) es_args+=(--url "${2:?$1 needs a value}"); fp_args+=(--es-url "$2"); shift 2 ;;
    --keep-indices | --no-gzip) es_args+=("$1"); shift ;;
    --variants | --cpu) tf_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --scenarios) fp_args+=(--only "${2:?$1 needs a value}"); shift 2 ;;
    --duration | --steady | --live | --scale | --scale-idle | --idle | --idle-seconds | --settle | --catchup-lines) fp_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --json)
      json="${2:?--json needs a file}"
      logs_args+=(--json "$json")
      tail_args+=(--json "${json%.json}.docker-tail.json")
      kafka_args+=(--json "${json%.json}.kafka.json")
      es_args+=(--json "${json%.json}.elasticsearch.json")
      tf_args+=(--json "${json%.json}.transforms.json")
      fp_args+=(--json "${json%.json}.footprint.json")
      shift 2 ;;
    -h | --help)
      sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
      echo
      node bench/docker-logs/run.mjs --help
      echo
      node bench/docker-tail/run.mjs --help
      echo
      node bench/kafka/run.mjs --help
      echo
      node bench/elasticsearch/run.mjs --help
      echo
      node bench/transforms/run.mjs --help
      echo
      node bench/footprint/run.mjs --help
      exit 0 ;;
    *) logs_args+=("$1"); tail_args+=("$1"); kafka_args+=("$1"); es_args+=("$1"); tf_args+=("$1"); fp_args+=("$1"); shift ;;
  esac
done

# bench/elasticsearch and bench/transforms alone need no Docker
if [ "$only" != elasticsearch ] && [ "$only" != transforms ] && ! docker image inspect logship-test/busybox:1 >/dev/null 2>&1; then
  scripts/docker-up.sh
fi
npm run build

status=0
if [ -z "$only" ] || [ "$only" = docker-logs ]; then
  echo "== bench/docker-logs =="
  node bench/docker-logs/run.mjs ${logs_args[@]+"${logs_args[@]}"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
  echo
  echo "== bench/docker-logs/modes.mjs (mode: file against mode: api) =="
  node bench/docker-logs/modes.mjs ${BENCH_RUNS:+--runs "$BENCH_RUNS"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
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
  # out a broker that is being restarted); brokers given with --brokers are used as they are
  kafka_up=0
  case " ${kafka_args[*]-} " in *" --brokers "*) ;; *) scripts/kafka-up.sh || kafka_up=2 ;; esac
  if [ "$kafka_up" -eq 0 ]; then
    node bench/kafka/run.mjs ${kafka_args[@]+"${kafka_args[@]}"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
  elif [ "$status" -lt 2 ]; then
    status=2
  fi
fi
if [ -z "$only" ] || [ "$only" = elasticsearch ]; then
  echo
  echo "== bench/elasticsearch =="
  # idempotent: starts nothing when a healthy node already answers (bench/elasticsearch/run.mjs
  # also waits out a node that is being restarted); a node given with --es-url is used as it is
  es_up=0
  case " ${es_args[*]-} " in *" --url "*) ;; *) scripts/elasticsearch-up.sh || es_up=2 ;; esac
  if [ "$es_up" -eq 0 ]; then
    node bench/elasticsearch/run.mjs ${es_args[@]+"${es_args[@]}"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
  elif [ "$status" -lt 2 ]; then
    status=2
  fi
fi
if [ -z "$only" ] || [ "$only" = transforms ]; then
  echo
  echo "== bench/transforms =="
  node bench/transforms/run.mjs ${tf_args[@]+"${tf_args[@]}"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
fi
if [ -z "$only" ] || [ "$only" = footprint ]; then
  echo
  echo "== bench/footprint =="
  # the broker and the node for steady and catchup-kafka/-es (idempotent, as above); ones given
  # with --brokers / --es-url are used as they are
  fp_up=0
  case " ${fp_args[*]-} " in *" --brokers "*) ;; *) scripts/kafka-up.sh || fp_up=2 ;; esac
  case " ${fp_args[*]-} " in *" --es-url "*) ;; *) scripts/elasticsearch-up.sh || fp_up=2 ;; esac
  if [ "$fp_up" -eq 0 ]; then
    node bench/footprint/run.mjs ${fp_args[@]+"${fp_args[@]}"} || { rc=$?; if [ "$rc" -gt "$status" ]; then status=$rc; fi; }
  elif [ "$status" -lt 2 ]; then
    status=2
  fi
fi
exit "$status"
