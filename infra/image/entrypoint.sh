#!/usr/bin/env bash
# Entry point of the Oryx image. `executor` is how Spark on Kubernetes starts an executor pod from this image
# (pip's pyspark ships no Kubernetes entrypoint of its own), with its settings in SPARK_* environment variables;
# anything else is run as given (python -m oryx_streaming, dagster api grpc, ...).
set -euo pipefail

# Every layer finds Spark's Kafka connector in <state>/spark/jars; the image holds it once, outside the state.
if [ ! -e "$ORYX_STATE_DIR/spark/jars" ]; then
  mkdir -p "$ORYX_STATE_DIR/spark"
  ln -s /opt/oryx/state/spark/jars "$ORYX_STATE_DIR/spark/jars"
fi

if [ "${1:-}" = "executor" ]; then
  shift
  # Spark passes JVM options as SPARK_JAVA_OPT_0, SPARK_JAVA_OPT_1, ... in order.
  mapfile -t java_opts < <(env | grep '^SPARK_JAVA_OPT_' | sort -t_ -k4 -n | sed 's/^[^=]*=//')
  exec "$JAVA_HOME/bin/java" "${java_opts[@]}" \
    -Xms"$SPARK_EXECUTOR_MEMORY" -Xmx"$SPARK_EXECUTOR_MEMORY" \
    -cp "${SPARK_CLASSPATH:-}:$SPARK_HOME/jars/*" \
    org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
    --driver-url "$SPARK_DRIVER_URL" \
    --executor-id "$SPARK_EXECUTOR_ID" \
    --cores "$SPARK_EXECUTOR_CORES" \
    --app-id "$SPARK_APPLICATION_ID" \
    --hostname "$SPARK_EXECUTOR_POD_IP" \
    --resourceProfileId "${SPARK_RESOURCE_PROFILE_ID:-0}" \
    --podName "${SPARK_EXECUTOR_POD_NAME:-}" \
    "$@"
fi
exec "$@"
