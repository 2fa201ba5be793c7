# Shared by the infra scripts: where state lives and the checks every JVM piece needs.
# Sourced, not run. ORYX_STATE_DIR overrides the state folder (default: <repo>/.oryx, git-ignored).

ORYX_REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ORYX_STATE_DIR="${ORYX_STATE_DIR:-$ORYX_REPO_DIR/.oryx}"

die() { echo "error: $*" >&2; exit 1; }

# Kafka 4 and Spark 4 both need Java 17 or newer; say so plainly instead of failing deep in a JVM.
require_java17() {
  command -v java >/dev/null 2>&1 || die "Java 17+ is required but 'java' is not on PATH (install OpenJDK 17, e.g. apt-get install openjdk-17-jdk-headless)"
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1)
  [ -n "$major" ] || die "could not read the Java version from 'java -version'"
  [ "$major" -ge 17 ] || die "Java 17+ is required, found Java $major at $(command -v java)"
}

require_maven() {
  command -v mvn >/dev/null 2>&1 || die "Maven is required to resolve jars from Maven Central but 'mvn' is not on PATH (apt-get install maven)"
}

# Re-resolving jars costs half a minute, so a stamp holding the pom's checksum makes re-runs instant.
resolve_jars() {  # resolve_jars <pom> <output dir> [extra mvn args...]
  local pom="$1" out="$2"; shift 2
  local stamp="$out/.resolved" sum
  sum=$(sha256sum "$pom" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum$*" ]; then return 0; fi
  require_maven
  rm -rf "$out"; mkdir -p "$out"
  echo "resolving $(basename "$(dirname "$pom")") jars from Maven Central into $out ..." >&2
  # Maven 3.8's jansi writes colour-reset escapes even in batch mode (-q prints nothing else unless it fails):
  # its output is kept aside and shown without them, so logs stay plain text.
  local log status=0
  log=$(mktemp)
  mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$out" "$@" >"$log" 2>&1 || status=$?
  sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' "$log" >&2
  rm -f "$log"
  [ "$status" -eq 0 ] || die "Maven could not resolve the jars of $pom"
  echo "$sum$*" > "$stamp"
}

# pip's own output is hundreds of lines (and -q says nothing for minutes): show a count every 25 packages.
pip_progress() {
  awk '/^(Collecting|Requirement already satisfied) / { n++; if (n % 25 == 0) { printf "  %d packages resolved ...\n", n; fflush() } }
       /^Installing collected packages/ { printf "  %d packages resolved; installing them ...\n", n; fflush() }
       /^ERROR/ || (/^WARNING/ && !/Running pip as/) { print "  " $0; fflush() }' >&2
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# alive <pid>: the process exists and is not a zombie. A JVM killed with SIGKILL stays a zombie until its parent
# reaps it, and on some hosts (a VM's init) that takes seconds: `kill -0` alone called it running, so a restart
# after `kill -9` refused to start the broker ("already running") until the zombie was gone.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state; state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
  [ "$state" != "Z" ]
}

# log4j2 config of a Kafka node writing to the file named by -Doryx.broker.log (one per node, same content).
write_broker_log4j() {
  cat > "$1/log4j2.properties" <<'L4J'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:oryx.broker.log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
L4J
}
