#!/usr/bin/env bash
# Install everything the test suite needs and run it: system packages
# (Graphviz's dot, Debian's Chromium for the browser test, nginx for the
# serving-a-class test) when missing and
# we are root, a virtual environment with gradplay[dev], then pytest.
#   bash scripts/run-tests.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 MPLBACKEND=Agg
# One BLAS/OpenMP thread: these machines are shared, and extra threads only add noise.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
unset PYTHONDONTWRITEBYTECODE
need=()
command -v dot >/dev/null || need+=(graphviz)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
        echo "note: ${need[*]} missing and not root: the tests that need them will skip" >&2
    fi
fi
# nginx for the serving-a-class test (tests/deploy), installed without starting its service
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        bash scripts/install-nginx.sh
    else
        echo "note: nginx missing and not root: the serving-a-class test will skip" >&2
    fi
fi
bash scripts/setup.sh dev
status=0
.venv/bin/python -m pytest "$@" || status=$?
# A full run, then once more without torch: gradplay with its app extra and the
# test tools only (what a learner without PyTorch installs). The tests that need
# torch skip one by one; everything else runs, the hostile-input tests included.
if [ $# -eq 0 ]; then
    echo "== the suite without torch (browser tests ran above) =="
    VENV=.venv-notorch bash scripts/setup.sh app,test
    GRADPLAY_EXPECT_NO_TORCH=1 .venv-notorch/bin/python -m pytest -q -m "not browser" \
        -p no:cacheprovider || status=$?
fi
# After a full run, a quick speed check: the ratios against PyTorch and
# scikit-learn, measured side by side in this run. It prints and never fails
# the build (a slow or busy machine only changes the numbers).
if [ $# -eq 0 ] && [ -z "${GRADPLAY_SKIP_BENCH:-}" ]; then
    echo "== quick benchmark (ratios only; not a test) =="
    timeout 150 .venv/bin/python benchmarks/engines.py --quick || echo "note: engines benchmark skipped"
    timeout 90 .venv/bin/python -W ignore benchmarks/vs_sklearn.py --quick \
        || echo "note: scikit-learn benchmark skipped"
fi
exit $status
