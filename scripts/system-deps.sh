#!/usr/bin/env bash
# Installs the Debian packages the end-to-end tests need, when they are missing:
# chromium (headless browser tests), fonts-wqy-zenhei (Chinese text in screenshots),
# postgresql (the register's PostgreSQL tests), nginx (`make serve`: the reverse proxy in front
# of several app processes), default-jre-headless (the screening plan's portability test on
# Apache Spark). Needs root or sudo; skips what is present.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
fc-list 2>/dev/null | grep -qi "wqy" || need+=(fonts-wqy-zenhei)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "安装系统依赖 / installing system packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
