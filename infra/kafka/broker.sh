#!/usr/bin/env bash
# A real single-node Apache Kafka 4 broker (KRaft: broker + controller in one JVM) on 127.0.0.1.
# Jars come from Maven Central (pom.xml beside this file) into the git-ignored state folder.
#
# Usage: infra/kafka/broker.sh install|start|stop|status|logs [-f]
# Env:   ORYX_STATE_DIR          state folder (default <repo>/.oryx)
#        ORYX_KAFKA_PORT         client port (default 9092)
#        ORYX_KAFKA_CONTROLLER_PORT  controller port (default client port + 1000)
#        ORYX_KAFKA_PORT_HINT    how the caller picks another port, for the "port taken" error (the tests say
#                                ORYX_TEST_KAFKA_PORT, `oryx up` the broker keys of the config)
#        ORYX_KAFKA_HEAP         broker heap (default 512m)
# Several brokers can run side by side on different ports; each keeps its data in <state>/kafka/node-<port>.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PORT="${ORYX_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${ORYX_KAFKA_CONTROLLER_PORT:-$((PORT + 1000))}"
LIB_DIR="$ORYX_STATE_DIR/kafka/lib"
NODE_DIR="$ORYX_STATE_DIR/kafka/node-$PORT"
PID_FILE="$NODE_DIR/broker.pid"
LOG_FILE="$NODE_DIR/broker.log"
PROPS="$NODE_DIR/server.properties"
MAX_MESSAGE_BYTES=67108864  # above Oryx's 16 MiB update-topic default, and its 64 MiB ceiling

install() {
  require_java17
  resolve_jars "$ORYX_REPO_DIR/infra/kafka/pom.xml" "$LIB_DIR"
}

write_config() {
  mkdir -p "$NODE_DIR/data"
  cat > "$PROPS" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$NODE_DIR/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
message.max.bytes=$MAX_MESSAGE_BYTES
replica.fetch.max.bytes=$MAX_MESSAGE_BYTES
PROPS
  write_broker_log4j "$NODE_DIR"
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid; pid=$(cat "$PID_FILE")
  alive "$pid" && echo "$pid"
}

format_storage() {
  # KRaft needs its storage formatted once with a cluster id; meta.properties marks it done.
  [ -f "$NODE_DIR/data/meta.properties" ] && return 0
  local cluster_id
  cluster_id=$(java -cp "$LIB_DIR/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
  java -cp "$LIB_DIR/*" -Dlog4j2.configurationFile="$NODE_DIR/log4j2.properties" -Doryx.broker.log="$LOG_FILE" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" >>"$LOG_FILE" 2>&1 \
    || die "formatting KRaft storage failed; see $LOG_FILE"
}

start() {
  if pid=$(running_pid); then echo "kafka broker already running (pid $pid) on 127.0.0.1:$PORT"; return 0; fi
  port_open "$PORT" && die "port $PORT is taken by another process; ${ORYX_KAFKA_PORT_HINT:-set ORYX_KAFKA_PORT}"
  port_open "$CONTROLLER_PORT" \
    && die "controller port $CONTROLLER_PORT is taken by another process; set ORYX_KAFKA_CONTROLLER_PORT"
  install
  write_config
  format_storage
  local started; started=$(date +%s%N)
  # setsid detaches the broker from this shell so it outlives it and `stop` can signal it cleanly.
  setsid java -Xms128m -Xmx"${ORYX_KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$NODE_DIR/log4j2.properties" -Doryx.broker.log="$LOG_FILE" \
    -cp "$LIB_DIR/*" kafka.Kafka "$PROPS" >>"$NODE_DIR/broker.out" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  for _ in $(seq 1 600); do
    if port_open "$PORT"; then
      echo "kafka broker started (pid $(cat "$PID_FILE")) on 127.0.0.1:$PORT in $(( ($(date +%s%N) - started) / 1000000 )) ms"
      return 0
    fi
    running_pid >/dev/null || { tail -n 30 "$LOG_FILE" "$NODE_DIR/broker.out" >&2 || true; die "kafka broker exited during start; see $LOG_FILE"; }
    sleep 0.1
  done
  die "kafka broker did not open 127.0.0.1:$PORT within 60 s; see $LOG_FILE"
}

stop() {
  local pid
  if ! pid=$(running_pid); then echo "kafka broker (port $PORT) is not running"; rm -f "$PID_FILE"; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 300); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL "$pid"
  rm -f "$PID_FILE"
  echo "kafka broker (pid $pid, port $PORT) stopped"
}

status() {
  local pid
  if pid=$(running_pid) && port_open "$PORT"; then
    echo "kafka broker: running (pid $pid) on 127.0.0.1:$PORT, data $NODE_DIR/data"
  else
    echo "kafka broker: stopped (port $PORT)"; return 3
  fi
}

logs() {
  [ -f "$LOG_FILE" ] || die "no broker log yet at $LOG_FILE"
  if [ "${1:-}" = "-f" ]; then tail -n 50 -f "$LOG_FILE"; else tail -n 100 "$LOG_FILE"; fi
}

case "${1:-}" in
  install) install; echo "kafka jars in $LIB_DIR" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  logs) shift; logs "${1:-}" ;;
  *) echo "usage: $0 install|start|stop|status|logs [-f]" >&2; exit 2 ;;
esac
