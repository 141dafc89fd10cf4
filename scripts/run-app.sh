#!/usr/bin/env bash
# Install what the web playground needs (first run only) and start it.
#   bash scripts/run-app.sh [--port 8501]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh app
exec .venv/bin/gradplay app "$@"
