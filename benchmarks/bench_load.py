"""Many companies pressing 开始核查 at once: click-to-results times for one app process and for
N processes behind nginx (``scripts/serve.sh``), with the server CPU each check costs.

Each simulated user is a WebSocket client that speaks Streamlit's own protocol, as the
browser does on ``/_stcore/stream``: it sends ``BackMsg.rerun_script`` with the widget states
(the example chosen, the button pressed) and reads ``ForwardMsg`` deltas until
``script_finished``. No browser runs, so the figures are the server's, not Chromium's.

Per round every user is connected and has its example loaded first (not timed); then all
press 开始核查 together, and the time from sending the press to the end of the results run is
recorded. Printed: p50/p95 per number of simultaneous users, one process beside N processes,
the server CPU per check (from /proc, all app processes), and the machine's load.

    .venv/bin/python benchmarks/bench_load.py                     # 1, 10, 40, 100 users
    .venv/bin/python benchmarks/bench_load.py --users 1 10 --rounds 2 --processes 2
    .venv/bin/python benchmarks/bench_load.py --url http://localhost:8080   # a running server
    .venv/bin/python benchmarks/bench_load.py --warm http://127.0.0.1:8081  # warm-up (serve.sh)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
BIN = Path(sys.executable).parent
CLICK = "ui.run_check"


def company_names() -> list[str]:
    return [json.loads(p.read_text(encoding="utf-8"))["name"] for p in EXAMPLES]


# ------------------------------------------------------------------------------ one user


@dataclass
class Session:
    """One browser tab's worth of protocol: a WebSocket and the widget ids it has seen."""

    url: str
    ws: object = None
    ids: dict[str, str] = field(default_factory=dict)
    """User key of a widget → its element id, as read from the deltas."""
    elements: int = 0

    async def open(self) -> None:
        ws_url = self.url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=120, ping_interval=None)
        await self.rerun({})

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def _learn(self, msg: ForwardMsg) -> None:
        if not msg.HasField("delta") or not msg.delta.HasField("new_element"):
            return
        self.elements += 1
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        widget = getattr(element, kind)
        widget_id = getattr(widget, "id", "")
        if widget_id and "-" in widget_id:
            self.ids[widget_id.rsplit("-", 1)[-1]] = widget_id

    async def rerun(self, values: dict[str, tuple[str, object]]) -> float:
        """Send the widget states (key → (proto field, value)) and wait for the run's end;
        returns the seconds it took."""
        back = BackMsg()
        state = back.rerun_script
        state.query_string = ""
        state.page_script_hash = ""
        for key, (kind, value) in values.items():
            if key not in self.ids:
                raise RuntimeError(f"widget {key!r} not on the page (seen: {sorted(self.ids)})")
            widget = state.widget_states.widgets.add()
            widget.id = self.ids[key]
            setattr(widget, kind, value)
        self.elements = 0
        started = time.perf_counter()
        await self.ws.send(back.SerializeToString())  # type: ignore[attr-defined]
        while True:
            raw = await self.ws.recv()  # type: ignore[attr-defined]
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            self._learn(msg)
            if msg.HasField("script_finished"):
                return time.perf_counter() - started

    async def load(self, company: str) -> None:
        await self.rerun({"ui.example": ("string_value", company), "ui.load_example": ("trigger_value", True)})

    async def check(self, company: str) -> float:
        seconds = await self.rerun({"ui.example": ("string_value", company), CLICK: ("trigger_value", True)})
        if "ui.export.xlsx" not in self.ids:  # the results' download buttons: results were drawn
            raise RuntimeError("the check drew no results")
        return seconds


async def one_round(url: str, users: int, companies: list[str],
                    pids: list[int]) -> tuple[list[float], float | None]:
    """Connect and load ``users`` sessions, then all press 开始核查 at once: the times of the
    presses, and the server CPU seconds spent while they ran (None without ``pids``)."""
    sessions = [Session(url) for _ in range(users)]
    await asyncio.gather(*(s.open() for s in sessions))
    await asyncio.gather(*(s.load(companies[i % len(companies)]) for i, s in enumerate(sessions)))
    before = cpu_seconds(pids) if pids else None
    times = await asyncio.gather(*(s.check(companies[i % len(companies)]) for i, s in enumerate(sessions)))
    cpu = cpu_seconds(pids) - before if before is not None else None
    await asyncio.gather(*(s.close() for s in sessions))
    return list(times), cpu


async def warm(urls: Iterable[str]) -> None:
    """One full check per process, so the first real user finds everything loaded."""
    companies = company_names()
    for url in urls:
        session = Session(url)
        await session.open()
        await session.load(companies[0])
        await session.check(companies[0])
        await session.close()


# ------------------------------------------------------------------------------ servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += children.get(current, [])
    return out


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds of the processes (Streamlit's app servers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


@contextmanager
def one_process() -> Iterator[tuple[str, list[int]]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="bench-app-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen([str(BIN / "streamlit"), "run", "app.py", "--server.address", "127.0.0.1",
                             "--server.port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url)
        asyncio.run(warm([url]))
        yield url, [proc.pid]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@contextmanager
def behind_nginx(processes: int) -> Iterator[tuple[str, list[int]]]:
    port = free_port()
    run_dir = tempfile.mkdtemp(prefix="bench-serve-")
    log = open(Path(run_dir) / "serve.log", "wb")  # noqa: SIM115 — closed below
    proc = subprocess.Popen(["bash", "scripts/serve.sh", "-n", str(processes), "-p", str(port), "-b", str(BIN)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "SUBSIDY_SERVE_DIR": run_dir}, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while b"http://localhost" not in (Path(run_dir) / "serve.log").read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((Path(run_dir) / "serve.log").read_text(errors="replace"))
            time.sleep(0.3)
        wait_healthy(url)
        apps = [p for p in process_tree(proc.pid) if "streamlit" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")]
        yield url, apps
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


# ------------------------------------------------------------------------------ measuring


@dataclass
class Row:
    users: int
    times: list[float]
    cpu_per_check: float | None
    load: float

    def pct(self, q: float) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(url: str, pids: list[int], users: list[int], rounds: int) -> list[Row]:
    companies = company_names()
    rows = []
    for count in users:
        times: list[float] = []
        spent: list[float] = []
        for _ in range(rounds):
            round_times, round_cpu = asyncio.run(one_round(url, count, companies, pids))
            times += round_times
            if round_cpu is not None:
                spent.append(round_cpu)
        cpu = sum(spent) / (count * rounds) if spent else None
        rows.append(Row(count, times, cpu, os.getloadavg()[0]))
        print(f"  {count:>3} users: p50 {statistics.median(times):.2f} s, p95 {rows[-1].pct(0.95):.2f} s", flush=True)
    return rows


def reference_check_ms() -> float:
    """The evaluation alone, in this process: what a check costs without any web server."""
    sys.path.insert(0, str(ROOT / "src"))
    from subsidy.evaluate import evaluate
    from subsidy.profile import load_profile

    profiles = [load_profile(p.read_bytes()) for p in EXAMPLES]
    for profile in profiles:
        evaluate(profile)
    started = time.perf_counter()
    runs = 0
    while time.perf_counter() - started < 1.0:
        for profile in profiles:
            evaluate(profile)
            runs += 1
    return (time.perf_counter() - started) / runs * 1000


def print_table(results: dict[str, list[Row]]) -> None:
    names = list(results)
    print()
    print("click-to-results (seconds) and server CPU per check (ms), all users pressing at once")
    header = f"{'users':>5} | " + " | ".join(f"{name:^30}" for name in names)
    print(header)
    print("-" * len(header))
    for index, row in enumerate(results[names[0]]):
        cells = []
        for name in names:
            r = results[name][index]
            cpu = f"{r.cpu_per_check * 1000:.0f} ms" if r.cpu_per_check is not None else "—"
            cells.append(f"p50 {statistics.median(r.times):5.2f} p95 {r.pct(0.95):5.2f} cpu {cpu:>6}")
        print(f"{row.users:>5} | " + " | ".join(f"{c:^30}" for c in cells))
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 40, 100])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per user count (default 3)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2,
                        help="app processes behind nginx (default: the number of cores)")
    parser.add_argument("--url", help="measure a server that is already running instead")
    parser.add_argument("--warm", nargs="+", metavar="URL", help="warm these app processes and exit")
    args = parser.parse_args()

    if args.warm:
        asyncio.run(warm(args.warm))
        return 0
    print(f"machine: {os.cpu_count()} cores, load average at start {os.getloadavg()[0]:.2f}")
    print(f"reference: one evaluation in-process {reference_check_ms():.1f} ms (the examples, reasons included)")
    results: dict[str, list[Row]] = {}
    if args.url:
        print(f"server {args.url}")
        results[args.url] = measure(args.url, [], args.users, args.rounds)
    else:
        print("one process:")
        with one_process() as (url, pids):
            results["1 process"] = measure(url, pids, args.users, args.rounds)
        print(f"{args.processes} processes behind nginx:")
        with behind_nginx(args.processes) as (url, pids):
            results[f"{args.processes} processes + nginx"] = measure(url, pids, args.users, args.rounds)
    print_table(results)
    print(f"load average at end: {os.getloadavg()[0]:.2f} (1 min), {os.getloadavg()[1]:.2f} (5 min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
