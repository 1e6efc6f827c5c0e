#!/usr/bin/env bash
# Starts a REAL single-node Elasticsearch on 127.0.0.1 for logship's
# integration tests, without Docker or vendor downloads: the node is the
# integ-test zip from Maven Central (org.elasticsearch.distribution.integ-test-zip),
# fetched with mvn, run on the machine's JDK as an unprivileged system user
# (Elasticsearch refuses to run as root). Idempotent: if a healthy node already
# answers on the port it does nothing; the zip is cached in <project>/.cache/.
#
# Usage: scripts/elasticsearch-up.sh            (then scripts/elasticsearch-down.sh)
# Environment (all optional):
#   ES_VERSION            8.x version to run                  (default 8.19.21)
#   ES_PORT               HTTP port on 127.0.0.1              (default 9200)
#   ES_HEAP               JVM heap, -Xms = -Xmx               (default 512m)
#   ES_WORK_DIR           work folder                         (default /var/tmp/logship-es-$ES_VERSION)
#   ES_CACHE_DIR          where the zip is kept               (default <project>/.cache/elasticsearch)
#   ES_USER               system user that runs the node      (default logship-es)
#   ES_JAVA_HOME          JDK (default: Java 17 for 8.x, Temurin 25 for 9.x)
#   ES_START_TIMEOUT      seconds to wait for yellow health   (default 120)
#   ES_WRITE_QUEUE_SIZE   if set, thread_pool.write.queue_size = this and
#                         thread_pool.write.size = ES_WRITE_THREADS (default 1):
#                         a bulk load then gets real 429 es_rejected_execution_exception.
#                         Thread pool settings are static: changing it needs down + up;
#                         if a running node's queue differs from an explicit
#                         ES_WRITE_QUEUE_SIZE this script exits 1 rather than restart it.
#                         No restart needed for a per-index 429 instead: PUT /<index>/_settings
#                         {"index.blocks.read_only_allow_delete": true} makes every write to
#                         that index fail with 429 cluster_block_exception (null undoes it).
# Layout: $ES_WORK_DIR/{elasticsearch-$ES_VERSION,data,logs,tmp,es.pid}; the
# node's log is $ES_WORK_DIR/logs/logship-test.log.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

ES_VERSION="${ES_VERSION:-8.19.21}"
ES_PORT="${ES_PORT:-9200}"
ES_HEAP="${ES_HEAP:-512m}"
ES_WORK_DIR="${ES_WORK_DIR:-/var/tmp/logship-es-$ES_VERSION}"
ES_CACHE_DIR="${ES_CACHE_DIR:-$root/.cache/elasticsearch}"
ES_USER="${ES_USER:-logship-es}"
ES_START_TIMEOUT="${ES_START_TIMEOUT:-120}"
ES_WRITE_QUEUE_SIZE="${ES_WRITE_QUEUE_SIZE:-}"
ES_WRITE_THREADS="${ES_WRITE_THREADS:-1}"
CLUSTER_NAME="logship-test"

es_home="$ES_WORK_DIR/elasticsearch-$ES_VERSION"
pid_file="$ES_WORK_DIR/es.pid"
log_dir="$ES_WORK_DIR/logs"
url="http://127.0.0.1:$ES_PORT"

log() { echo "elasticsearch-up: $*" >&2; }

# Prints the cluster status (green/yellow/red) or nothing if nothing answers.
health_status() {
  curl -s --max-time 3 "$url/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null |
    sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' || true
}
is_healthy() { case "$(health_status)" in green | yellow) return 0 ;; *) return 1 ;; esac; }
running_version() {
  curl -s --max-time 3 "$url/_nodes/_local?filter_path=nodes.*.version" 2>/dev/null |
    sed -n 's/.*"version":"\([^"]*\)".*/\1/p' || true
}
our_pid_alive() {
  [ -s "$pid_file" ] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [ -d "/proc/$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'org.elasticsearch'
}
show_logs() {
  log "last lines of the node's logs ($log_dir):"
  for f in "$ES_WORK_DIR/startup.out" "$log_dir/$CLUSTER_NAME.log"; do
    [ -s "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
  done
  return 0
}

# One caller at a time per port (parallel test runs may call this together).
# The lock's fd is closed for the node itself, or the lock would outlive us.
exec 9>"${TMPDIR:-/tmp}/logship-es-$ES_PORT.lock"
flock -w "$((ES_START_TIMEOUT + 60))" 9 || { log "timed out waiting for another elasticsearch-up.sh"; exit 1; }

if is_healthy; then
  running="$(running_version)"
  log "a healthy node already answers on $url (version $running); nothing to do"
  [ "$running" = "$ES_VERSION" ] || log "note: that is not ES_VERSION=$ES_VERSION"
  running_q="$(curl -s --max-time 3 "$url/_cat/thread_pool/write?h=queue_size" 2>/dev/null | tr -d ' \n' || true)"
  if [ -n "$running_q" ] && [ "$running_q" != "${ES_WRITE_QUEUE_SIZE:-10000}" ]; then
    if [ -n "$ES_WRITE_QUEUE_SIZE" ]; then
      log "the running node has thread_pool.write.queue_size=$running_q, not $ES_WRITE_QUEUE_SIZE; run scripts/elasticsearch-down.sh first"
      exit 1
    fi
    log "note: the running node has thread_pool.write.queue_size=$running_q (started with ES_WRITE_QUEUE_SIZE); down + up for the default"
  fi
  exit 0
fi

if our_pid_alive; then
  log "node pid $(cat "$pid_file") is running but not yet healthy; waiting"
else
  if curl -s --max-time 3 -o /dev/null "$url/" 2>/dev/null; then
    log "something answers on $url but is not a healthy Elasticsearch; refusing to start a second node"
    exit 1
  fi

  case "$ES_VERSION" in
    8.*) default_java=/usr/lib/jvm/java-17-openjdk-amd64 ;;
    *) default_java=/usr/lib/jvm/temurin-25-jdk-amd64 ;;
  esac
  ES_JAVA_HOME="${ES_JAVA_HOME:-$default_java}"
  if [ ! -x "$ES_JAVA_HOME/bin/java" ]; then
    log "no JDK at ES_JAVA_HOME=$ES_JAVA_HOME; set ES_JAVA_HOME"
    exit 1
  fi

  # 1. Fetch the zip from Maven Central (once).
  zip="$ES_CACHE_DIR/elasticsearch-$ES_VERSION.zip"
  if [ ! -s "$zip" ] || ! unzip -qql "$zip" >/dev/null 2>&1; then
    command -v mvn >/dev/null || { log "mvn not found"; exit 1; }
    command -v unzip >/dev/null || { log "unzip not found"; exit 1; }
    mkdir -p "$ES_CACHE_DIR"
    log "fetching org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
    t0=$(date +%s)
    if ! (cd "$ES_CACHE_DIR" && mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
      -DoutputDirectory="$ES_CACHE_DIR" -Dmdep.overWriteReleases=true >"$ES_CACHE_DIR/mvn.log" 2>&1); then
      log "mvn could not fetch it (is $ES_VERSION published?):"
      grep -E 'ERROR|Could not' "$ES_CACHE_DIR/mvn.log" | head -n 5 >&2 || tail -n 20 "$ES_CACHE_DIR/mvn.log" >&2
      exit 1
    fi
    log "fetched in $(($(date +%s) - t0)) s"
  fi

  # 2. Unpack (once).
  if [ ! -x "$es_home/bin/elasticsearch" ]; then
    log "unpacking into $es_home"
    mkdir -p "$ES_WORK_DIR"
    rm -rf "$ES_WORK_DIR/.unpack" "$es_home"
    unzip -q "$zip" -d "$ES_WORK_DIR/.unpack"
    mv "$ES_WORK_DIR/.unpack/elasticsearch-$ES_VERSION" "$es_home"
    rm -rf "$ES_WORK_DIR/.unpack"
  fi
  mkdir -p "$ES_WORK_DIR/data" "$log_dir" "$ES_WORK_DIR/tmp"

  # 3. Configure (rewritten on every start, so env changes apply).
  {
    echo "# Written by logship scripts/elasticsearch-up.sh; edits are overwritten."
    echo "cluster.name: $CLUSTER_NAME"
    echo "node.name: logship-es-1"
    echo "discovery.type: single-node"
    echo "network.host: 127.0.0.1"
    echo "http.port: $ES_PORT"
    echo "transport.port: $((ES_PORT + 100))"
    echo "path.data: $ES_WORK_DIR/data"
    echo "path.logs: $log_dir"
    echo "cluster.routing.allocation.disk.threshold_enabled: false"
    echo "action.destructive_requires_name: false"
    # The setting exists only where the security module does; an unknown setting stops start-up.
    [ -d "$es_home/modules/x-pack-security" ] && echo "xpack.security.enabled: false"
    [ -d "$es_home/modules/ingest-geoip" ] && echo "ingest.geoip.downloader.enabled: false"
    if [ -n "$ES_WRITE_QUEUE_SIZE" ]; then
      echo "thread_pool.write.size: $ES_WRITE_THREADS"
      echo "thread_pool.write.queue_size: $ES_WRITE_QUEUE_SIZE"
    fi
  } >"$es_home/config/elasticsearch.yml"
  # Heap; GC log, heap dumps and crash files into the work folder (the stock
  # jvm.options points them at paths relative to the process's directory).
  printf -- '-Xms%s\n-Xmx%s\n' "$ES_HEAP" "$ES_HEAP" >"$es_home/config/jvm.options.d/logship.options"
  sed -i -e "s#file=[^:]*gc\.log:#file=$log_dir/gc.log:#" \
    -e "s#^-XX:HeapDumpPath=.*#-XX:HeapDumpPath=$ES_WORK_DIR/data#" \
    -e "s#^-XX:ErrorFile=.*#-XX:ErrorFile=$log_dir/hs_err_pid%p.log#" \
    "$es_home/config/jvm.options"

  # 4. Unprivileged user (Elasticsearch refuses root).
  run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    if ! id -u "$ES_USER" >/dev/null 2>&1; then
      log "creating system user $ES_USER"
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$ES_USER"
    fi
    chown -R "$ES_USER:" "$ES_WORK_DIR"
    run_as=(runuser -u "$ES_USER" --)
  fi

  # 5. Start as a daemon.
  rm -f "$pid_file"
  log "starting Elasticsearch $ES_VERSION on $url (JDK $ES_JAVA_HOME, heap $ES_HEAP${ES_WRITE_QUEUE_SIZE:+, write pool $ES_WRITE_THREADS thread(s) / queue $ES_WRITE_QUEUE_SIZE})"
  t_start=$(date +%s)
  if ! (cd "$es_home" && "${run_as[@]}" env HOME="$ES_WORK_DIR/tmp" ES_JAVA_HOME="$ES_JAVA_HOME" ES_TMPDIR="$ES_WORK_DIR/tmp" \
    ES_PATH_CONF="$es_home/config" ES_JAVA_OPTS="${ES_JAVA_OPTS:-}" \
    bin/elasticsearch -d -p "$pid_file" >"$ES_WORK_DIR/startup.out" 2>&1 9>&-); then
    log "bin/elasticsearch failed to start"
    show_logs
    exit 1
  fi
fi

# 6. Wait for yellow.
deadline=$(($(date +%s) + ES_START_TIMEOUT))
until is_healthy; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "no yellow health on $url within ${ES_START_TIMEOUT}s"
    show_logs
    exit 1
  fi
  if [ -s "$pid_file" ] && ! our_pid_alive; then
    log "the node exited during start-up"
    show_logs
    exit 1
  fi
  sleep 1
done
log "Elasticsearch $(running_version) is up on $url${t_start:+ after $(($(date +%s) - t_start)) s} (pid $(cat "$pid_file" 2>/dev/null || echo '?'); logs in $log_dir)"
