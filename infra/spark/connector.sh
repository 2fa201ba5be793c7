#!/usr/bin/env bash
# Resolves the jars Spark needs beyond the pyspark wheel into the state folder, from Maven Central.
# Usage: infra/spark/connector.sh [install|path|s3a]
#   install  Spark's Kafka connector into <state>/spark/jars (cached; re-runs are instant) and print the folder
#   path     print the comma-separated Kafka connector jar list for spark.jars (installs first if needed)
#   s3a      hadoop-aws and its AWS SDK bundle (~690 MB, once) into <state>/spark/s3a-jars, for a model-dir or
#            data-dir on s3a://; the batch layer adds them to its session only when one is
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

JARS_DIR="$ORYX_STATE_DIR/spark/jars"
S3A_JARS_DIR="$ORYX_STATE_DIR/spark/s3a-jars"
# pyspark already ships Scala, Hadoop client, lz4, snappy, zstd and slf4j; adding second copies of those
# would put two versions on one classpath.
NEEDED="spark-sql-kafka-0-10_2.13,spark-token-provider-kafka-0-10_2.13,kafka-clients,commons-pool2"

install() {
  resolve_jars "$ORYX_REPO_DIR/infra/spark/pom.xml" "$JARS_DIR" "-DincludeArtifactIds=$NEEDED"
}

install_s3a() {
  resolve_jars "$ORYX_REPO_DIR/infra/spark/s3a/pom.xml" "$S3A_JARS_DIR"
}

case "${1:-install}" in
  install) install; echo "$JARS_DIR" ;;
  path) install; ls "$JARS_DIR"/*.jar | paste -sd, - ;;
  s3a) install_s3a; echo "$S3A_JARS_DIR" ;;
  *) die "usage: $0 [install|path|s3a]" ;;
esac
