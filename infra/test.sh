#!/usr/bin/env bash
# The project's one test command: set up (idempotent, with the browser and the S3A jars only tests need), then
# run every test. The tests start and stop the real Kafka broker and a local S3 server themselves.
# Extra arguments go to pytest (e.g. -k, -x, tests/unit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ORYX_SETUP_BROWSER=1 ORYX_SPARK_S3A=1 bash infra/setup.sh
exec .venv/bin/python -m pytest "$@"
