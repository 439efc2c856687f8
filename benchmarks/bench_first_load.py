"""First load of the self-check and the review page, in a real headless Chromium: seconds from
opening the address to a usable form (the company-name field drawn and the page finished
running), for a freshly started app process and for one already warmed (as ``make serve``
warms each process before opening its port to users).

Reference, measured in the same run: a minimal Streamlit page (a title and one text field) in
the same browser — the floor Streamlit's own frontend and this machine's load set — and the
server's own time for a new session's first page (a WebSocket client, no browser).

    .venv/bin/python benchmarks/bench_first_load.py [--runs 3]

Needs Debian's /usr/bin/chromium and Playwright (the test extras).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_load import Session  # noqa: E402
from browser_support import launch_browser, new_page, start_app, wait_for_app  # noqa: E402

MINIMAL_APP = 'import streamlit as st\nst.title("最小页面")\nst.text_input("企业名称")\n'

PAGES = {
    "self-check (企业自查)": ("", 'input[aria-label="企业名称"]'),
    "review (审核)": ("/review", "h1"),  # its title (the sign-in form or the page itself)
}


def load_seconds(browser: object, url: str, ready: str) -> float:
    page = new_page(browser)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(ready, state="visible", timeout=60_000)
    wait_for_app(page)
    seconds = time.perf_counter() - started - 0.3  # wait_for_app's settling pause
    page.context.close()
    return seconds


async def session_seconds(url: str) -> float:
    """The server's time to run a new session's first page (no browser)."""
    session = Session(url)
    started = time.perf_counter()
    await session.open()
    seconds = time.perf_counter() - started
    await session.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    rows: dict[str, dict[str, list[float]]] = {name: {"cold": [], "warm": []} for name in PAGES}
    rows["reference: minimal Streamlit page"] = {"cold": [], "warm": []}
    rows["server only: a new session's page"] = {"cold": [], "warm": []}
    minimal = ROOT / "artifacts" / "bench_minimal_app.py"
    minimal.parent.mkdir(exist_ok=True)
    minimal.write_text(MINIMAL_APP, encoding="utf-8")
    with launch_browser() as browser:
        for name, (path, ready) in PAGES.items():
            for _ in range(args.runs):
                with start_app() as url:  # a fresh process: its first visitor
                    rows[name]["cold"].append(load_seconds(browser, url + path, ready))
                    rows[name]["warm"].append(load_seconds(browser, url + path, ready))
        for _ in range(args.runs):
            with start_app(app=str(minimal.relative_to(ROOT))) as url:
                ref = rows["reference: minimal Streamlit page"]
                ref["cold"].append(load_seconds(browser, url, 'input[aria-label="企业名称"]'))
                ref["warm"].append(load_seconds(browser, url, 'input[aria-label="企业名称"]'))
    for _ in range(args.runs):  # outside the browser's event loop
        with start_app() as url:
            server = rows["server only: a new session's page"]
            server["cold"].append(asyncio.run(session_seconds(url)))
            server["warm"].append(asyncio.run(session_seconds(url)))
    print(f"\n{'page':<36} {'fresh process, median':>22} {'warmed process, median':>24}   (runs: {args.runs})")
    for name, times in rows.items():
        print(f"{name:<36} {statistics.median(times['cold']):>20.2f} s {statistics.median(times['warm']):>22.2f} s")
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
