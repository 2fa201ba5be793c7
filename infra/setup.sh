#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine, idempotently (re-runs take seconds):
# a virtualenv in .venv with the pinned Python packages, the Kafka broker jars and Spark's Kafka connector
# from Maven Central (into the state folder); with ORYX_SPARK_S3A=1 also Hadoop's S3A connector (for s3a:// storage).
# Needs Python 3.11+, Java 17+ and Maven on PATH.
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
step() { echo "[setup $(( $(date +%s) - started )) s] $*" >&2; }

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  step "installing the pinned Python packages into .venv (first time: 2-3 minutes, ~1.4 GB) ..."
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install --progress-bar off -e '.[test]' 2>&1 | pip_progress
  [ "${PIPESTATUS[0]}" -eq 0 ] || die "pip could not install the project's packages (run: .venv/bin/python -m pip install -e '.[test]')"
  echo "$want" > "$stamp"
fi
# Only the test command needs a browser (the console tests drive Debian's headless Chromium): ORYX_SETUP_BROWSER=1.
if [ "${ORYX_SETUP_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "installing Debian's chromium for the console browser tests (about a minute) ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1) \
      || echo "warning: could not install chromium; the browser tests cannot run (CI=true fails them)" >&2
  else
    echo "warning: no chromium and no root to install it; the browser tests cannot run (CI=true fails them)" >&2
  fi
fi
step "resolving the Kafka broker and Spark's Kafka connector jars (first time: about a minute) ..."
bash infra/kafka/broker.sh install >/dev/null
bash infra/spark/connector.sh install >/dev/null
# Only an s3a:// model-dir or data-dir needs hadoop-aws and its 690 MB AWS SDK bundle; the test command sets this.
if [ "${ORYX_SPARK_S3A:-0}" = 1 ]; then
  step "resolving hadoop-aws and the AWS SDK bundle for s3a:// storage (first time: ~690 MB) ..."
  bash infra/spark/connector.sh s3a >/dev/null
fi
step "setup done: .venv ready, jars in $ORYX_STATE_DIR"
