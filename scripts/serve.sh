#!/usr/bin/env bash
# 为全市服务 / Serve a city: N app processes behind nginx with sticky sessions.
#
#   bash scripts/serve.sh [-n PROCESSES] [-p PORT] [-b VENV_BIN]     (or: make serve N=4 PORT=8080)
#
# Starts PROCESSES Streamlit processes of app.py on 127.0.0.1 (ports PORT+1 … PORT+N), one
# nginx in front on PORT (all addresses) that keeps each browser on its own process, and
# runs until Ctrl-C, then stops everything it started. PROCESSES defaults to the number of
# cores: one process uses one core (Python's GIL), so more processes than cores buy nothing.
#
# The register (审核 page) is shared by every process: set SUBSIDY_DB_URL to a PostgreSQL
# database (postgresql+psycopg://user@host/db). Without it the processes share the SQLite
# file subsidy-register.sqlite, which is fine for a district's few officials, not a city.
# Logs, the generated nginx.conf and pid files are under .serve/ (SUBSIDY_SERVE_DIR).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

PROCESSES="$(nproc 2>/dev/null || echo 2)"
PORT=8080
BIN=".venv/bin"
while getopts "n:p:b:h" opt; do
    case "$opt" in
        n) PROCESSES="$OPTARG" ;;
        p) PORT="$OPTARG" ;;
        b) BIN="$OPTARG" ;;
        *) sed -n '2,16p' "$0"; exit 2 ;;
    esac
done
case "$PROCESSES$PORT" in *[!0-9]*) echo "错误 / error: -n and -p take numbers" >&2; exit 2 ;; esac
[ "$PROCESSES" -ge 1 ] || { echo "错误 / error: at least one process" >&2; exit 2; }

NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
if [ ! -x "$NGINX" ]; then
    echo "错误 / error: 未找到 nginx（bash scripts/system-deps.sh）/ nginx not found (bash scripts/system-deps.sh)" >&2
    exit 2
fi
[ -x "$BIN/streamlit" ] || { echo "错误 / error: $BIN/streamlit missing (make install)" >&2; exit 2; }

RUN_DIR="$(realpath -m "${SUBSIDY_SERVE_DIR:-.serve}")"
mkdir -p "$RUN_DIR"
pids=()

stop_all() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    echo "已停止 / stopped"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

if [ -z "${SUBSIDY_DB_URL:-}" ] && [ "$PROCESSES" -gt 1 ]; then
    echo "提示 / note: SUBSIDY_DB_URL 未设置，登记簿使用本地 SQLite 文件；全市部署请用 PostgreSQL。" >&2
    echo "             SUBSIDY_DB_URL is unset: the register is a local SQLite file; use PostgreSQL for a city." >&2
fi
# The register's schema once, before the processes start (two creating it at once race).
"$BIN/python" -c "from subsidy.register import Register; Register()" \
    || { echo "错误 / error: 无法打开登记簿 / cannot open the register" >&2; exit 1; }

# One cookie secret for all processes, so a browser's XSRF cookie is valid on each.
SECRET="$("$BIN/python" -c 'import secrets; print(secrets.token_hex(32))')"
upstreams=""
for i in $(seq 1 "$PROCESSES"); do
    port=$((PORT + i))
    STREAMLIT_SERVER_COOKIE_SECRET="$SECRET" "$BIN/streamlit" run app.py \
        --server.address 127.0.0.1 --server.port "$port" >"$RUN_DIR/app-$port.log" 2>&1 &
    pids+=("$!")
    upstreams+="        server 127.0.0.1:$port max_fails=0;"$'\n'
done

for i in $(seq 1 "$PROCESSES"); do
    port=$((PORT + i))
    for _ in $(seq 1 300); do
        if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
            echo "错误 / error: 应用进程未能启动 / an app process did not start:" >&2
            tail -5 "$RUN_DIR/app-$port.log" >&2
            exit 1
        fi
        bash scripts/warm.sh --check "$port" "$BIN" && break
        sleep 0.2
    done
done

# Warm every process: the first session of a process pays for loading the rules and the
# libraries; a warm-up session per process means no user does.
"$BIN/python" benchmarks/bench_load.py --warm $(for i in $(seq 1 "$PROCESSES"); do echo "http://127.0.0.1:$((PORT + i))"; done) \
    || echo "提示 / note: warm-up failed (the app still serves)" >&2

sed -e "s#@RUN_DIR@#$RUN_DIR#g" -e "s#@LISTEN@#$PORT#g" scripts/nginx.conf.template \
    | awk -v ups="$upstreams" '{ if ($0 == "@UPSTREAMS@") printf "%s", ups; else print }' >"$RUN_DIR/nginx.conf"
"$NGINX" -t -q -e "$RUN_DIR/nginx-error.log" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" || exit 1
"$NGINX" -e "$RUN_DIR/nginx-error.log" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" &
pids+=("$!")

echo "武汉产业政策奖补自查：$PROCESSES 个进程 / processes behind nginx"
echo "在浏览器中打开 / open in your browser: http://localhost:$PORT"
wait "${pids[-1]}"
