#!/usr/bin/env bash
# 预热 / Warm an app process once it answers: the first session of a process pays for loading
# the rules and the libraries; one warm-up session means no user does.
#
#   bash scripts/warm.sh PORT [VENV_BIN]            wait until it answers, then warm it
#   bash scripts/warm.sh --check PORT [VENV_BIN]    does it answer now? (exit status)
#
# make run warms its process in the background; scripts/serve.sh checks each process.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
CHECK=""
if [ "${1:-}" = "--check" ]; then CHECK=1; shift; fi
PORT="${1:?port}"
BIN="${2:-.venv/bin}"

answers() {
    "$BIN/python" - "$PORT" <<'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_stcore/health", timeout=1)
except OSError:
    sys.exit(1)
PY
}

if [ -n "$CHECK" ]; then answers; exit; fi
for _ in $(seq 1 300); do
    answers && break
    sleep 0.2
done
"$BIN/python" benchmarks/bench_load.py --warm "http://127.0.0.1:$PORT" >/dev/null 2>&1 \
    || echo "提示 / note: warm-up failed (the app still serves)" >&2
