#!/usr/bin/env bash
# A real Spark standalone cluster on 127.0.0.1 from the pyspark installation: one master and N workers, each
# its own JVM. pip's pyspark ships no start-master.sh / start-worker.sh, so the JVM main classes are started
# directly (what those scripts do underneath); SPARK_HOME points at the pyspark package, whose jars/ the workers
# also use to launch executors. A pip install has no launcher/target/scala-* build folder, so the workers'
# executor launcher is told the Scala version (SPARK_SCALA_VERSION) instead of guessing it from one.
#
# Usage: infra/spark/standalone.sh start|stop|status|url
# Env:   ORYX_STATE_DIR              state folder (default <repo>/.oryx)
#        ORYX_SPARK_MASTER_PORT      master RPC port (default 7077); its web UI / JSON API listens on port+1
#        ORYX_SPARK_WORKERS          number of workers (default 2); worker i (0-based) uses ports port+10+2i
#                                    (RPC) and port+11+2i (web UI)
#        ORYX_SPARK_WORKER_CORES     cores each worker offers (default 1)
#        ORYX_SPARK_WORKER_MEMORY    memory each worker offers to executors (default 1g)
#        SPARK_HOME                  default: the pyspark package of <repo>/.venv (or of python3)
# Point a layer at it with oryx.batch.streaming.master / oryx.speed.streaming.master = spark://127.0.0.1:<port>.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PORT="${ORYX_SPARK_MASTER_PORT:-7077}"
WEBUI_PORT=$((PORT + 1))
WORKERS="${ORYX_SPARK_WORKERS:-2}"
WORKER_CORES="${ORYX_SPARK_WORKER_CORES:-1}"
WORKER_MEMORY="${ORYX_SPARK_WORKER_MEMORY:-1g}"
CLUSTER_DIR="$ORYX_STATE_DIR/spark/standalone-$PORT"

spark_home() {
  if [ -n "${SPARK_HOME:-}" ]; then echo "$SPARK_HOME"; return 0; fi
  local python="$ORYX_REPO_DIR/.venv/bin/python"
  [ -x "$python" ] || python=python3
  "$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null \
    || die "pyspark is not installed for $python; run infra/setup.sh or set SPARK_HOME"
}

pid_of() {  # pid_of <name>: the pid of a running daemon, else fails
  local file="$CLUSTER_DIR/$1.pid"
  [ -f "$file" ] || return 1
  local pid; pid=$(cat "$file")
  alive "$pid" && echo "$pid"
}

launch() {  # launch <name> <rpc port> <main class> [args...]
  local name="$1" port="$2" class="$3"; shift 3
  if pid=$(pid_of "$name"); then echo "spark $name already running (pid $pid)"; return 0; fi
  port_open "$port" && die "port $port (spark $name) is taken by another process; set ORYX_SPARK_MASTER_PORT"
  # setsid: the daemon outlives this shell, and `stop` signals its whole process group (its executors too).
  SPARK_HOME="$SPARK_HOME_DIR" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=127.0.0.1 setsid \
    java -Xms64m -Xmx256m -Djava.awt.headless=true -cp "$SPARK_HOME_DIR/jars/*" "$class" "$@" \
    >>"$CLUSTER_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$CLUSTER_DIR/$name.pid"
  for _ in $(seq 1 600); do
    if port_open "$port"; then echo "spark $name started (pid $(cat "$CLUSTER_DIR/$name.pid")) on 127.0.0.1:$port"; return 0; fi
    pid_of "$name" >/dev/null || { tail -n 30 "$CLUSTER_DIR/$name.log" >&2; die "spark $name exited during start"; }
    sleep 0.1
  done
  die "spark $name did not open 127.0.0.1:$port within 60 s; see $CLUSTER_DIR/$name.log"
}

alive_workers() {
  # The master's JSON API lists registered workers; count the ALIVE ones.
  { curl -sf "http://127.0.0.1:$WEBUI_PORT/json/" 2>/dev/null || true; } | grep -o '"state" *: *"ALIVE"' | wc -l
}

start() {
  require_java17
  SPARK_HOME_DIR=$(spark_home)
  [ -d "$SPARK_HOME_DIR/jars" ] || die "no jars/ folder in SPARK_HOME $SPARK_HOME_DIR"
  mkdir -p "$CLUSTER_DIR"
  launch master "$PORT" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$PORT" --webui-port "$WEBUI_PORT"
  local i
  for i in $(seq 0 $((WORKERS - 1))); do
    mkdir -p "$CLUSTER_DIR/work-$i"
    launch "worker-$i" $((PORT + 10 + 2 * i)) org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --port $((PORT + 10 + 2 * i)) --webui-port $((PORT + 11 + 2 * i)) \
      --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" --work-dir "$CLUSTER_DIR/work-$i" \
      "spark://127.0.0.1:$PORT"
  done
  for _ in $(seq 1 300); do
    if [ "$(alive_workers)" -ge "$WORKERS" ]; then
      echo "spark standalone cluster ready: spark://127.0.0.1:$PORT with $WORKERS workers, UI http://127.0.0.1:$WEBUI_PORT"
      return 0
    fi
    sleep 0.2
  done
  die "only $(alive_workers) of $WORKERS workers registered with the master within 60 s; see $CLUSTER_DIR/*.log"
}

stop_one() {
  local name="$1" pid
  if ! pid=$(pid_of "$name"); then rm -f "$CLUSTER_DIR/$name.pid"; return 0; fi
  # The negative pid signals the process group setsid made: the daemon and any executor it launched.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
  for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; }
  rm -f "$CLUSTER_DIR/$name.pid"
  echo "spark $name (pid $pid) stopped"
}

stop() {
  [ -d "$CLUSTER_DIR" ] || { echo "spark standalone cluster (port $PORT) is not running"; return 0; }
  local file
  for file in "$CLUSTER_DIR"/worker-*.pid; do
    [ -e "$file" ] && stop_one "$(basename "$file" .pid)"
  done
  stop_one master
}

status() {
  if pid=$(pid_of master) && port_open "$PORT"; then
    echo "spark master: running (pid $pid) spark://127.0.0.1:$PORT, $(alive_workers) alive workers, UI http://127.0.0.1:$WEBUI_PORT"
  else
    echo "spark master: stopped (port $PORT)"; return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) echo "spark://127.0.0.1:$PORT" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
