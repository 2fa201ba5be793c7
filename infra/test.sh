#!/usr/bin/env bash
# The project's one test command: set up (idempotent), then run every test. The tests start and stop the
# real Kafka broker themselves. Extra arguments go to pytest (e.g. -k, -x, tests/unit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ORYX_SETUP_BROWSER=1 bash infra/setup.sh
exec .venv/bin/python -m pytest "$@"
