"""Shared pieces for tests that drive the app in a real headless Chromium.

- :func:`start_app` runs ``streamlit run app.py`` on a local port and yields its base URL;
- :func:`launch_browser` starts Debian's Chromium through Playwright (never a downloaded
  browser);
- :func:`new_page` opens a page with a desktop viewport and Chinese locale;
- :func:`wait_for_app` waits until Streamlit has drawn the page and finished running;
- :func:`browser_skip_reason` says why browser tests cannot run here (None when they can).

Browser tests are marked ``@pytest.mark.browser``. They are skipped only when
/usr/bin/chromium is missing *and* the ``CI`` variable is unset; under CI a missing Chromium
fails them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 60.0


def browser_skip_reason() -> str | None:
    """Why browser tests are skipped here, or None when they must run."""
    if CHROMIUM.exists():
        return None
    if os.environ.get("CI"):
        return None  # under CI they run, and fail on the missing browser
    return f"{CHROMIUM} is not installed (apt-get install chromium); set CI=1 to make this a failure"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def start_app(port: int | None = None, app: str = "app.py") -> Iterator[str]:
    """Run the Streamlit app on ``port`` (a free one if None) and yield its base URL.

    The server is stopped (and its log attached to the error) when the block ends or the
    server fails to answer its health check.
    """
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "streamlit-server.log"  # the latest server's log, kept for a look
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / app),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while not _healthy(base_url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the app did not start on {base_url}:\n"
                        + log_path.read_text(encoding="utf-8", errors="replace"))
                time.sleep(0.2)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def launch_browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (``executable_path``, no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, *, width: int = 1400, height: int = 1000) -> Any:
    """A page in a fresh browser context (its own cookies, so its own Streamlit session)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def wait_for_app(page: Any, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit has drawn the app and is no longer running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') !== 'running'
                && !document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]');
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(300)


def signed_in_at(page: Any, base_url: str, path: str, username: str, password: str) -> None:
    """Open an officials' page (``/review``, ``/screening``) in ``page`` and sign in;
    generous timeouts, as the machine may be busy."""
    page.set_default_timeout(60_000)
    page.goto(f"{base_url}/{path}")
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    wait_for_app(page, timeout_ms=60_000)


def review_signed_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Open the 审核 page in ``page`` and sign in (the page needs an account)."""
    signed_in_at(page, base_url, "review", username, password)
    page.get_by_text("审核：申报核验与决定").wait_for()
