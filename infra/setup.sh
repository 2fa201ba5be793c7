#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine, idempotently (re-runs take seconds):
# a virtualenv in .venv with the pinned Python packages, the Kafka broker jars and Spark's Kafka connector
# from Maven Central (into the state folder). Needs Python 3.11+, Java 17+ and Maven on PATH.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ORYX_REPO_DIR"

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || die "Python 3.11+ is required (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11"
require_java17
require_maven

started=$(date +%s)
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.oryx-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing Python packages into .venv (first time: a few minutes, ~1.4 GB) ..." >&2
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  echo "$want" > "$stamp"
fi
# The serving console is tested in a real headless Chromium (Debian's package); without it that test skips.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the console browser test ..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the console browser test will be skipped" >&2
fi
bash infra/kafka/broker.sh install >/dev/null
bash infra/spark/connector.sh install >/dev/null
echo "setup done in $(( $(date +%s) - started )) s: .venv ready, jars in $ORYX_STATE_DIR" >&2
