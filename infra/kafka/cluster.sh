#!/usr/bin/env bash
# A real three-node Apache Kafka 4 cluster on 127.0.0.1: every node is broker + controller (KRaft), and the
# three controllers form one quorum of three voters, so the cluster survives the loss of any one node.
# broker.sh stays the single-node broker; this script shares its jars (<state>/kafka/lib) and conventions.
#
# Usage: infra/kafka/cluster.sh start|stop|status|bootstrap|kill <port>|start-node <port>
#   kill <port>        SIGKILL one node (a crash: no controlled shutdown), for failure tests
#   start-node <port>  start one (killed or stopped) node again with its data
# Env:   ORYX_STATE_DIR             state folder (default <repo>/.oryx)
#        ORYX_KAFKA_CLUSTER_PORTS   the nodes' client ports (default "9092 9093 9094"); each node's controller
#                                   listens on port+1000, as with broker.sh
#        ORYX_KAFKA_HEAP            heap per node (default 384m)
# Data lives in <state>/kafka/cluster-<first port>/node-<port>. Internal topics (consumer offsets, transaction
# state) and new topics default to replication factor 3 with min.insync.replicas 2: with acks=all a write is
# acknowledged only once two nodes hold it, so losing one node loses no acknowledged record.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

read -r -a PORTS <<< "${ORYX_KAFKA_CLUSTER_PORTS:-9092 9093 9094}"
[ "${#PORTS[@]}" -ge 3 ] || die "ORYX_KAFKA_CLUSTER_PORTS must list at least three ports, got '${PORTS[*]}'"
LIB_DIR="$ORYX_STATE_DIR/kafka/lib"
CLUSTER_DIR="$ORYX_STATE_DIR/kafka/cluster-${PORTS[0]}"
MAX_MESSAGE_BYTES=67108864

node_id() {  # node_id <port>: 1-based position of the port in the list
  local i
  for i in "${!PORTS[@]}"; do [ "${PORTS[$i]}" = "$1" ] && { echo $((i + 1)); return 0; }; done
  die "port $1 is not one of the cluster's ports (${PORTS[*]})"
}

voters() {
  local i out=""
  for i in "${!PORTS[@]}"; do out+="${out:+,}$((i + 1))@127.0.0.1:$((PORTS[i] + 1000))"; done
  echo "$out"
}

bootstrap() {
  local p out=""
  for p in "${PORTS[@]}"; do out+="${out:+,}127.0.0.1:$p"; done
  echo "$out"
}

write_config() {  # write_config <port>
  local port="$1" dir="$CLUSTER_DIR/node-$1"
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$(node_id "$port")
controller.quorum.voters=$(voters)
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1000))
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
group.initial.rebalance.delay.ms=0
message.max.bytes=$MAX_MESSAGE_BYTES
replica.fetch.max.bytes=$MAX_MESSAGE_BYTES
PROPS
  write_broker_log4j "$dir"
}

cluster_id() {
  # One id for all nodes, made once: nodes formatted with different ids refuse to form a cluster.
  local file="$CLUSTER_DIR/cluster.id"
  if [ ! -s "$file" ]; then
    mkdir -p "$CLUSTER_DIR"
    java -cp "$LIB_DIR/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 > "$file"
  fi
  cat "$file"
}

format_storage() {  # format_storage <port>
  local dir="$CLUSTER_DIR/node-$1"
  [ -f "$dir/data/meta.properties" ] && return 0
  java -cp "$LIB_DIR/*" -Dlog4j2.configurationFile="$dir/log4j2.properties" -Doryx.broker.log="$dir/broker.log" \
    kafka.tools.StorageTool format -t "$(cluster_id)" -c "$dir/server.properties" >>"$dir/broker.log" 2>&1 \
    || die "formatting KRaft storage of node $1 failed; see $dir/broker.log"
}

running_pid() {  # running_pid <port>
  local file="$CLUSTER_DIR/node-$1/broker.pid"
  [ -f "$file" ] || return 1
  local pid; pid=$(cat "$file")
  alive "$pid" && echo "$pid"
}

launch() {  # launch <port>: starts the node's JVM without waiting (a lone node cannot finish starting)
  local port="$1" dir="$CLUSTER_DIR/node-$1"
  if pid=$(running_pid "$port"); then echo "kafka node $port already running (pid $pid)"; return 0; fi
  port_open "$port" && die "port $port is taken by another process; set ORYX_KAFKA_CLUSTER_PORTS"
  write_config "$port"
  format_storage "$port"
  # Remember where this start's log begins: "Kafka Server started" from an earlier run must not count.
  { [ -f "$dir/broker.log" ] && wc -l < "$dir/broker.log" || echo 0; } > "$dir/started.mark"
  setsid java -Xms128m -Xmx"${ORYX_KAFKA_HEAP:-384m}" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -Doryx.broker.log="$dir/broker.log" \
    -cp "$LIB_DIR/*" kafka.Kafka "$dir/server.properties" >>"$dir/broker.out" 2>&1 < /dev/null &
  echo $! > "$dir/broker.pid"
}

node_started() {  # node_started <port>: the JVM logged its start since the last launch, and listens
  local dir="$CLUSTER_DIR/node-$1"
  port_open "$1" && [ -f "$dir/broker.log" ] \
    && tail -n +"$(( $(cat "$dir/started.mark") + 1 ))" "$dir/broker.log" | grep -q "Kafka Server started"
}

await() {  # await <port>...: waits until every given node has started
  local started; started=$(date +%s)
  local port
  for _ in $(seq 1 900); do
    local pending=0
    for port in "$@"; do
      running_pid "$port" >/dev/null || { tail -n 30 "$CLUSTER_DIR/node-$port/broker.log" >&2 || true; die "kafka node $port exited during start"; }
      node_started "$port" || pending=1
    done
    if [ "$pending" = 0 ]; then
      echo "kafka nodes $* started in $(( $(date +%s) - started )) s; bootstrap servers $(bootstrap)"
      return 0
    fi
    sleep 0.1
  done
  die "kafka nodes $* did not all start within 90 s; see $CLUSTER_DIR/node-*/broker.log"
}

start() {
  require_java17
  resolve_jars "$ORYX_REPO_DIR/infra/kafka/pom.xml" "$LIB_DIR"
  local port
  for port in "${PORTS[@]}"; do launch "$port"; done
  await "${PORTS[@]}"
}

start_node() {
  [ -n "${1:-}" ] || die "usage: $0 start-node <port>"
  node_id "$1" >/dev/null
  launch "$1"
  await "$1"
}

kill_node() {
  [ -n "${1:-}" ] || die "usage: $0 kill <port>"
  local pid
  pid=$(running_pid "$1") || die "kafka node $1 is not running"
  kill -KILL "$pid"
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.05; done
  rm -f "$CLUSTER_DIR/node-$1/broker.pid"
  echo "kafka node $1 (pid $pid) killed"
}

stop() {
  local port pid
  for port in "${PORTS[@]}"; do
    if pid=$(running_pid "$port"); then kill -TERM "$pid"; fi
  done
  for port in "${PORTS[@]}"; do
    pid=$(running_pid "$port") || { rm -f "$CLUSTER_DIR/node-$port/broker.pid"; continue; }
    for _ in $(seq 1 300); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid"
    rm -f "$CLUSTER_DIR/node-$port/broker.pid"
    echo "kafka node $port (pid $pid) stopped"
  done
}

status() {
  local port pid down=0
  for port in "${PORTS[@]}"; do
    if pid=$(running_pid "$port") && port_open "$port"; then
      echo "kafka node $port: running (pid $pid, node.id $(node_id "$port"))"
    else
      echo "kafka node $port: stopped"; down=1
    fi
  done
  [ "$down" = 0 ] || return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  bootstrap) bootstrap ;;
  kill) kill_node "${2:-}" ;;
  start-node) start_node "${2:-}" ;;
  *) echo "usage: $0 start|stop|status|bootstrap|kill <port>|start-node <port>" >&2; exit 2 ;;
esac
