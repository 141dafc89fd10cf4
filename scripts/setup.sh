#!/usr/bin/env bash
# Create a virtual environment (.venv, or $VENV) and install gradplay with
# the given extras (default: app).
#   bash scripts/setup.sh dev                       # everything the tests need
#   VENV=.venv-notorch bash scripts/setup.sh app,test   # the same without torch
# torch is pinned to 2.13.0: where pip is configured with a local folder of
# wheels (pip config: find-links), uv is pointed at it too, because uv ignores
# pip's configuration and would otherwise fetch a multi-gigabyte CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-app}"
venv="${VENV:-.venv}"
PY="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [ ! -x "$venv/bin/python" ]; then
    "$PY" -m venv "$venv"
fi
if ! "$venv/bin/python" -m uv --version >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install -q uv
fi
links="$("$venv/bin/python" -m pip config get global.find-links 2>/dev/null || true)"
if [ -n "$links" ] && [ -z "${UV_FIND_LINKS:-}" ]; then
    export UV_FIND_LINKS="$links"
fi
"$venv/bin/python" -m uv pip install -q --python "$venv/bin/python" -e ".[${extras}]"
