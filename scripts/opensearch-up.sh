#!/usr/bin/env bash
# Starts a REAL single-node OpenSearch on 127.0.0.1 for logship's integration
# tests, without Docker or vendor downloads: the node is the integ-test zip from
# Maven Central (org.opensearch.distribution.integ-test-zip:opensearch), fetched
# with mvn, run on the machine's Java 17 as an unprivileged system user
# (OpenSearch refuses to run as root). Idempotent: if a healthy node already
# answers on the port it does nothing; the zip is cached in <project>/.cache/.
# The model is scripts/elasticsearch-up.sh; the two nodes run side by side
# (Elasticsearch on 9200/9300, OpenSearch on 9201/9301).
#
# The integ-test zip is the bare server: modules/ holds only transport-netty4
# and plugins/ is empty, so there is no security plugin (plain http, no auth),
# no ingest processors, no painless, no analysis-common. Index templates,
# data streams, date_nanos, _bulk and gzip request bodies are in the core.
#
# Usage: scripts/opensearch-up.sh            (then scripts/opensearch-down.sh)
# Environment (all optional):
#   OPENSEARCH_VERSION         version to run; unset: the newest 2.19.x in the cache,
#                              else the first of 2.19.6, 2.19.5, ... 2.19.0 that
#                              Maven Central has
#   OPENSEARCH_PORT            HTTP port on 127.0.0.1                (default 9201)
#   OPENSEARCH_TRANSPORT_PORT  transport port on 127.0.0.1           (default OPENSEARCH_PORT+100)
#   OPENSEARCH_HEAP            JVM heap, -Xms = -Xmx                 (default 512m)
#   OPENSEARCH_WORK_DIR        work folder           (default /var/tmp/logship-opensearch-$OPENSEARCH_VERSION)
#   OPENSEARCH_CACHE_DIR       where the zip is kept (default <project>/.cache/opensearch)
#   OPENSEARCH_USER            system user that runs the node        (default logship-opensearch)
#   OPENSEARCH_JAVA_HOME       JDK                   (default /usr/lib/jvm/java-17-openjdk-amd64)
#   OPENSEARCH_START_TIMEOUT   seconds to wait for yellow health     (default 120)
#   OPENSEARCH_WRITE_QUEUE_SIZE  if set, thread_pool.write.queue_size = this and
#                              thread_pool.write.size = OPENSEARCH_WRITE_THREADS (default 1):
#                              a bulk load then gets real 429 rejected_execution_exception.
#                              Thread pool settings are static: changing it needs down + up;
#                              if a running node's queue differs from an explicit
#                              OPENSEARCH_WRITE_QUEUE_SIZE this script exits 1 rather than restart it.
#                              No restart needed for a per-index 429 instead: PUT /<index>/_settings
#                              {"index.blocks.read_only_allow_delete": true} makes every write to
#                              that index fail with 429 cluster_block_exception (null undoes it).
# Layout: $OPENSEARCH_WORK_DIR/{opensearch-$OPENSEARCH_VERSION,data,logs,tmp,opensearch.pid};
# the node's log is $OPENSEARCH_WORK_DIR/logs/logship-test.log.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

OPENSEARCH_PORT="${OPENSEARCH_PORT:-9201}"
OPENSEARCH_TRANSPORT_PORT="${OPENSEARCH_TRANSPORT_PORT:-$((OPENSEARCH_PORT + 100))}"
OPENSEARCH_HEAP="${OPENSEARCH_HEAP:-512m}"
OPENSEARCH_CACHE_DIR="${OPENSEARCH_CACHE_DIR:-$root/.cache/opensearch}"
OPENSEARCH_USER="${OPENSEARCH_USER:-logship-opensearch}"
OPENSEARCH_JAVA_HOME="${OPENSEARCH_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
OPENSEARCH_START_TIMEOUT="${OPENSEARCH_START_TIMEOUT:-120}"
OPENSEARCH_WRITE_QUEUE_SIZE="${OPENSEARCH_WRITE_QUEUE_SIZE:-}"
OPENSEARCH_WRITE_THREADS="${OPENSEARCH_WRITE_THREADS:-1}"
CLUSTER_NAME="logship-test"
# Tried in this order when OPENSEARCH_VERSION is unset.
CANDIDATE_VERSIONS="2.19.6 2.19.5 2.19.4 2.19.3 2.19.2 2.19.1 2.19.0"

url="http://127.0.0.1:$OPENSEARCH_PORT"

log() { echo "opensearch-up: $*" >&2; }

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
# GET / names the distribution on OpenSearch ("distribution" : "opensearch");
# the Elasticsearch integ-test node answers it with 405.
is_opensearch() {
  curl -s --max-time 3 "$url/" 2>/dev/null | tr -d ' \n' | grep -q '"distribution":"opensearch"'
}
zip_ok() { [ -s "$1" ] && unzip -qql "$1" >/dev/null 2>&1; }

# One caller at a time per port (parallel test runs may call this together).
# The lock's fd is closed for the node itself, or the lock would outlive us.
exec 9>"${TMPDIR:-/tmp}/logship-opensearch-$OPENSEARCH_PORT.lock"
flock -w "$((OPENSEARCH_START_TIMEOUT + 120))" 9 || { log "timed out waiting for another opensearch-up.sh"; exit 1; }

if is_healthy; then
  running="$(running_version)"
  if ! is_opensearch; then
    log "a healthy node answers on $url (version $running) but it is not OpenSearch; set OPENSEARCH_PORT"
    exit 1
  fi
  log "a healthy node already answers on $url (OpenSearch $running); nothing to do"
  [ -z "${OPENSEARCH_VERSION:-}" ] || [ "$running" = "$OPENSEARCH_VERSION" ] ||
    log "note: that is not OPENSEARCH_VERSION=$OPENSEARCH_VERSION"
  running_q="$(curl -s --max-time 3 "$url/_cat/thread_pool/write?h=queue_size" 2>/dev/null | tr -d ' \n' || true)"
  if [ -n "$running_q" ] && [ "$running_q" != "${OPENSEARCH_WRITE_QUEUE_SIZE:-10000}" ]; then
    if [ -n "$OPENSEARCH_WRITE_QUEUE_SIZE" ]; then
      log "the running node has thread_pool.write.queue_size=$running_q, not $OPENSEARCH_WRITE_QUEUE_SIZE; run scripts/opensearch-down.sh first"
      exit 1
    fi
    log "note: the running node has thread_pool.write.queue_size=$running_q (started with OPENSEARCH_WRITE_QUEUE_SIZE); down + up for the default"
  fi
  exit 0
fi

# 1. Which version: explicit, else the newest 2.19.x already cached, else the
# first candidate Maven Central has (fetched into the cache, once).
fetch_zip() { # version -> 0 when $OPENSEARCH_CACHE_DIR/opensearch-<version>.zip is there
  local v="$1" zip="$OPENSEARCH_CACHE_DIR/opensearch-$1.zip" t0
  zip_ok "$zip" && return 0
  command -v mvn >/dev/null || { log "mvn not found"; exit 1; }
  command -v unzip >/dev/null || { log "unzip not found"; exit 1; }
  mkdir -p "$OPENSEARCH_CACHE_DIR"
  log "fetching org.opensearch.distribution.integ-test-zip:opensearch:$v:zip"
  t0=$(date +%s)
  if ! (cd "$OPENSEARCH_CACHE_DIR" && mvn -q -B -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
    -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$v:zip" \
    -DoutputDirectory="$OPENSEARCH_CACHE_DIR" -Dmdep.overWriteReleases=true >"$OPENSEARCH_CACHE_DIR/mvn-$v.log" 2>&1) ||
    ! zip_ok "$zip"; then
    log "mvn could not fetch $v:"
    grep -E 'ERROR|Could not' "$OPENSEARCH_CACHE_DIR/mvn-$v.log" | sed 's/\x1b\[[0-9;]*m//g' | head -n 3 >&2 ||
      tail -n 20 "$OPENSEARCH_CACHE_DIR/mvn-$v.log" >&2
    rm -f "$zip"
    return 1
  fi
  log "fetched in $(($(date +%s) - t0)) s"
}

if [ -z "${OPENSEARCH_VERSION:-}" ]; then
  for v in $CANDIDATE_VERSIONS; do
    if zip_ok "$OPENSEARCH_CACHE_DIR/opensearch-$v.zip"; then OPENSEARCH_VERSION="$v"; break; fi
  done
fi
if [ -z "${OPENSEARCH_VERSION:-}" ]; then
  for v in $CANDIDATE_VERSIONS; do
    if fetch_zip "$v"; then OPENSEARCH_VERSION="$v"; break; fi
  done
  [ -n "${OPENSEARCH_VERSION:-}" ] || { log "none of $CANDIDATE_VERSIONS could be fetched from Maven Central"; exit 1; }
fi

OPENSEARCH_WORK_DIR="${OPENSEARCH_WORK_DIR:-/var/tmp/logship-opensearch-$OPENSEARCH_VERSION}"
os_home="$OPENSEARCH_WORK_DIR/opensearch-$OPENSEARCH_VERSION"
pid_file="$OPENSEARCH_WORK_DIR/opensearch.pid"
log_dir="$OPENSEARCH_WORK_DIR/logs"

our_pid_alive() {
  [ -s "$pid_file" ] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [ -d "/proc/$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'org.opensearch.bootstrap'
}
# Any JVM of this distribution (before it has written its pid file).
node_process_exists() { pgrep -f -- "-Dopensearch.path.home=$os_home " >/dev/null 2>&1; }
show_logs() {
  log "last lines of the node's logs ($log_dir):"
  for f in "$OPENSEARCH_WORK_DIR/startup.out" "$log_dir/$CLUSTER_NAME.log"; do
    [ -s "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
  done
  return 0
}

if our_pid_alive; then
  log "node pid $(cat "$pid_file") is running but not yet healthy; waiting"
else
  if curl -s --max-time 3 -o /dev/null "$url/" 2>/dev/null; then
    log "something answers on $url but is not a healthy OpenSearch; refusing to start a second node"
    exit 1
  fi
  if [ ! -x "$OPENSEARCH_JAVA_HOME/bin/java" ]; then
    log "no JDK at OPENSEARCH_JAVA_HOME=$OPENSEARCH_JAVA_HOME; set OPENSEARCH_JAVA_HOME"
    exit 1
  fi

  fetch_zip "$OPENSEARCH_VERSION" || exit 1
  zip="$OPENSEARCH_CACHE_DIR/opensearch-$OPENSEARCH_VERSION.zip"

  # 2. Unpack (once).
  if [ ! -x "$os_home/bin/opensearch" ]; then
    log "unpacking into $os_home"
    mkdir -p "$OPENSEARCH_WORK_DIR"
    rm -rf "$OPENSEARCH_WORK_DIR/.unpack" "$os_home"
    unzip -q "$zip" -d "$OPENSEARCH_WORK_DIR/.unpack"
    mv "$OPENSEARCH_WORK_DIR/.unpack/opensearch-$OPENSEARCH_VERSION" "$os_home"
    rm -rf "$OPENSEARCH_WORK_DIR/.unpack"
  fi
  mkdir -p "$OPENSEARCH_WORK_DIR/data" "$log_dir" "$OPENSEARCH_WORK_DIR/tmp" "$os_home/config/jvm.options.d"

  # 3. Configure (rewritten on every start, so env changes apply).
  {
    echo "# Written by logship scripts/opensearch-up.sh; edits are overwritten."
    echo "cluster.name: $CLUSTER_NAME"
    echo "node.name: logship-opensearch-1"
    echo "discovery.type: single-node"
    echo "network.host: 127.0.0.1"
    echo "http.port: $OPENSEARCH_PORT"
    echo "transport.port: $OPENSEARCH_TRANSPORT_PORT"
    echo "path.data: $OPENSEARCH_WORK_DIR/data"
    echo "path.logs: $log_dir"
    echo "cluster.routing.allocation.disk.threshold_enabled: false"
    echo "action.destructive_requires_name: false"
    # Settings of plugins/modules exist only where those are installed; an unknown
    # setting stops start-up (the integ-test zip has neither of these).
    [ -d "$os_home/plugins/opensearch-security" ] && echo "plugins.security.disabled: true"
    [ -d "$os_home/modules/geo" ] && [ -d "$os_home/modules/ingest-geoip" ] && echo "ingest.geoip.downloader.enabled: false"
    if [ -n "$OPENSEARCH_WRITE_QUEUE_SIZE" ]; then
      echo "thread_pool.write.size: $OPENSEARCH_WRITE_THREADS"
      echo "thread_pool.write.queue_size: $OPENSEARCH_WRITE_QUEUE_SIZE"
    fi
  } >"$os_home/config/opensearch.yml"
  # Heap; GC log, heap dumps and crash files into the work folder (the stock
  # jvm.options points them at paths relative to the process's directory).
  printf -- '-Xms%s\n-Xmx%s\n' "$OPENSEARCH_HEAP" "$OPENSEARCH_HEAP" >"$os_home/config/jvm.options.d/logship.options"
  sed -i -e "s#file=[^:]*gc\.log:#file=$log_dir/gc.log:#" \
    -e "s#^-XX:HeapDumpPath=.*#-XX:HeapDumpPath=$OPENSEARCH_WORK_DIR/data#" \
    -e "s#^-XX:ErrorFile=.*#-XX:ErrorFile=$log_dir/hs_err_pid%p.log#" \
    "$os_home/config/jvm.options"

  # 4. Unprivileged user (OpenSearch refuses root).
  run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    if ! id -u "$OPENSEARCH_USER" >/dev/null 2>&1; then
      log "creating system user $OPENSEARCH_USER"
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$OPENSEARCH_USER"
    fi
    chown -R "$OPENSEARCH_USER:" "$OPENSEARCH_WORK_DIR"
    run_as=(runuser -u "$OPENSEARCH_USER" --)
  fi

  # 5. Start as a daemon (-p: the node writes its pid file once it is up).
  rm -f "$pid_file"
  log "starting OpenSearch $OPENSEARCH_VERSION on $url (JDK $OPENSEARCH_JAVA_HOME, heap $OPENSEARCH_HEAP${OPENSEARCH_WRITE_QUEUE_SIZE:+, write pool $OPENSEARCH_WRITE_THREADS thread(s) / queue $OPENSEARCH_WRITE_QUEUE_SIZE})"
  t_start=$(date +%s)
  if ! (cd "$os_home" && "${run_as[@]}" env HOME="$OPENSEARCH_WORK_DIR/tmp" \
    OPENSEARCH_JAVA_HOME="$OPENSEARCH_JAVA_HOME" OPENSEARCH_TMPDIR="$OPENSEARCH_WORK_DIR/tmp" \
    OPENSEARCH_PATH_CONF="$os_home/config" OPENSEARCH_JAVA_OPTS="${OPENSEARCH_JAVA_OPTS:-}" \
    bin/opensearch -d -p "$pid_file" >"$OPENSEARCH_WORK_DIR/startup.out" 2>&1 9>&-); then
    log "bin/opensearch failed to start"
    show_logs
    exit 1
  fi
fi

# 6. Wait for yellow.
deadline=$(($(date +%s) + OPENSEARCH_START_TIMEOUT))
until is_healthy; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "no yellow health on $url within ${OPENSEARCH_START_TIMEOUT}s"
    show_logs
    exit 1
  fi
  if { [ -s "$pid_file" ] && ! our_pid_alive; } || { [ ! -s "$pid_file" ] && ! node_process_exists; }; then
    log "the node exited during start-up"
    show_logs
    exit 1
  fi
  sleep 1
done
log "OpenSearch $(running_version) is up on $url${t_start:+ after $(($(date +%s) - t_start)) s} (pid $(cat "$pid_file" 2>/dev/null || echo '?'); logs in $log_dir)"
