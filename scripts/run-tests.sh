#!/usr/bin/env bash
# 运行全部测试 / Run every test: usage `bash scripts/run-tests.sh [VENV_BIN]` (default .venv/bin).
#
# The register's PostgreSQL tests need a server: this script starts a throwaway PostgreSQL
# cluster (initdb into a temporary folder; as the `postgres` OS user when run as root),
# listening only on 127.0.0.1 on a free port, exports SUBSIDY_TEST_PG_URL for the tests,
# and stops and removes the cluster on exit, whatever happens. Exits with pytest's status.
#
# Without PostgreSQL binaries the tests run without it (the PostgreSQL tests are skipped),
# unless CI is set: then those tests fail rather than being skipped silently.
set -uo pipefail

BIN="${1:-.venv/bin}"
cd "$(dirname "$0")/.." || exit 2

pg_bin=""
for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
        pg_bin="$candidate"
        break
    fi
done

pg_tmp=""
as_pg=()

stop_pg() {
    if [ -n "$pg_tmp" ] && [ -d "$pg_tmp" ]; then
        if [ -f "$pg_tmp/data/postmaster.pid" ]; then
            (cd "$pg_tmp" && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m immediate -w stop >/dev/null 2>&1)
        fi
        rm -rf "$pg_tmp"
    fi
}

start_pg() {
    pg_tmp="$(mktemp -d "${TMPDIR:-/tmp}/subsidy-pg.XXXXXX")" || return 1
    if [ "$(id -u)" -eq 0 ]; then
        if ! id postgres >/dev/null 2>&1; then
            echo "PostgreSQL: 以 root 运行需要 postgres 系统用户 / running as root needs the postgres OS user" >&2
            return 1
        fi
        chown postgres:postgres "$pg_tmp"
        as_pg=(runuser -u postgres --)
    fi
    local port
    port="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" || return 1
    (cd "$pg_tmp" && "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_tmp/data" -U subsidy --auth=trust \
        -E UTF8 --no-locale >"$pg_tmp/initdb.log" 2>&1) || { cat "$pg_tmp/initdb.log" >&2; return 1; }
    (cd "$pg_tmp" && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_tmp/data" -l "$pg_tmp/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_tmp -c fsync=off -c full_page_writes=off" \
        start >/dev/null) || { cat "$pg_tmp/server.log" >&2; return 1; }
    "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U subsidy subsidy_test || return 1
    export SUBSIDY_TEST_PG_URL="postgresql+psycopg://subsidy@127.0.0.1:$port/subsidy_test"
    echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') 测试库 / test server: 127.0.0.1:$port (临时 / throwaway)"
}

trap stop_pg EXIT
trap 'exit 130' INT TERM

if [ -n "$pg_bin" ]; then
    if ! start_pg; then
        echo "错误 / error: 无法启动临时 PostgreSQL / could not start the throwaway PostgreSQL" >&2
        exit 1
    fi
elif [ -n "${CI:-}" ]; then
    echo "错误 / error: 未找到 PostgreSQL（apt-get install postgresql）/ PostgreSQL binaries not found under CI" >&2
else
    echo "提示 / note: 未找到 PostgreSQL，跳过其测试 / PostgreSQL not found; its tests are skipped" >&2
fi

"$BIN/pytest" -q -p no:cacheprovider
status=$?
exit $status
