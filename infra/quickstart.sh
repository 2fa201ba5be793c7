#!/usr/bin/env bash
# The README's first command: set everything up, start the whole stack on the embedded defaults (local Kafka,
# local Spark, Dagster, speed, serving) and run the demo app on real data from ../shared/data.
# `ORYX_DEMO_CONF` picks another app config; `.venv/bin/oryx down` stops everything afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash infra/setup.sh
CONF="${ORYX_DEMO_CONF:-conf/als-example.conf}"
.venv/bin/oryx up --conf "$CONF"
.venv/bin/oryx demo --conf "$CONF"
echo
echo "The stack is still running: Dagster UI http://127.0.0.1:3000, 'oryx status', 'oryx down' (in .venv/bin)."
