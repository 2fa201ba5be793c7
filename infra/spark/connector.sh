#!/usr/bin/env bash
# Resolves Spark's Kafka connector (and only the jars pyspark lacks) into <state>/spark/jars.
# Usage: infra/spark/connector.sh [install|path]
#   install  resolve once (cached; re-runs are instant) and print the jar folder
#   path     print the comma-separated jar list for spark.jars (installs first if needed)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

JARS_DIR="$ORYX_STATE_DIR/spark/jars"
# pyspark already ships Scala, Hadoop client, lz4, snappy, zstd and slf4j; adding second copies of those
# would put two versions on one classpath.
NEEDED="spark-sql-kafka-0-10_2.13,spark-token-provider-kafka-0-10_2.13,kafka-clients,commons-pool2"

install() {
  resolve_jars "$ORYX_REPO_DIR/infra/spark/pom.xml" "$JARS_DIR" "-DincludeArtifactIds=$NEEDED"
}

case "${1:-install}" in
  install) install; echo "$JARS_DIR" ;;
  path) install; ls "$JARS_DIR"/*.jar | paste -sd, - ;;
  *) die "usage: $0 [install|path]" ;;
esac
