"""Reading an uploaded claims file in a worker process with a time and a memory cap.

Why a process: the app serves every user from one Python process, so a file that takes a
minute (or gigabytes) to read would stall everybody and could take the server down with it.
:func:`read_claims_bounded` hands the bytes to a fresh interpreter (``python -m
subsidy.claims.bounded``) that caps its own address space and CPU time (``setrlimit``) before
it reads anything, and waits at most ``timeout`` seconds for the answer. The caller's thread
only waits (the GIL is released), so other users go on; a refused, too-slow or too-hungry file
ends in a :class:`~subsidy.claims.model.ClaimsFileError` with a bilingual message, never a
crash. The limits checked while reading (:mod:`.xlsx_check`, :mod:`.reader`) keep ordinary
hostile files from ever reaching the caps; the caps are the last line.

The answer comes back pickled from a child that runs this package's own code over the file;
the parent unpickles nothing else.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

from .model import MAX_UPLOAD_BYTES, ClaimBatch, ClaimsFileError, check_upload_size

UPLOAD_SECONDS = 60.0
"""Wall-clock seconds one upload may take to read (start-up of the worker included)."""
UPLOAD_MEMORY_BYTES = 640 * 1024 * 1024
"""Address space one upload's worker may use (its interpreter and libraries take ~190 MB)."""


def _refusal_timeout(seconds: float) -> ClaimsFileError:
    return ClaimsFileError(
        f"读取该文件超过 {seconds:g} 秒仍未完成，已停止。请检查文件是否正确，或把申报拆成几个文件。",
        f"reading this file took longer than {seconds:g} s and was stopped. Check that it is "
        "the right file, or split the claims into several files.",
    )


def _refusal_memory(limit: int) -> ClaimsFileError:
    mb = f"{limit / 1024 / 1024:,.0f}"
    return ClaimsFileError(
        f"读取该文件需要超过 {mb} MB 内存，已停止。请检查文件是否正确，或把申报拆成几个文件。",
        f"reading this file needs more than {mb} MB of memory and was stopped. Check that it "
        "is the right file, or split the claims into several files.",
    )


def _refusal_failed(detail: str) -> ClaimsFileError:
    return ClaimsFileError(
        f"无法读取该文件（{detail}）。请用模板重新保存后再试。",
        f"cannot read this file ({detail}); save it again from the template.",
    )


def _source_bytes(source: bytes | str | Path, limit: int) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), ""
    path = Path(source)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ClaimsFileError(f"无法读取文件 {path}（{exc.strerror}）",
                              f"cannot read {path} ({exc.strerror})") from None
    check_upload_size(size, limit)
    try:
        return path.read_bytes(), path.name
    except OSError as exc:
        raise ClaimsFileError(f"无法读取文件 {path}（{exc.strerror}）",
                              f"cannot read {path} ({exc.strerror})") from None


def read_claims_bounded(source: bytes | str | Path, name: str | None = None, rules: Any = None, *,
                        limit: int = MAX_UPLOAD_BYTES, timeout: float = UPLOAD_SECONDS,
                        memory: int = UPLOAD_MEMORY_BYTES) -> ClaimBatch:
    """:func:`~subsidy.claims.reader.read_claims` in a worker process capped in time and memory.

    ``source`` is the file's bytes (then ``name`` tells .xlsx from .csv) or a path. Raises
    :class:`ClaimsFileError` when the file is refused for any reason, including the caps.
    """
    data, file_name = _source_bytes(source, limit)
    name = name or file_name or "upload"
    check_upload_size(len(data), limit)
    request = pickle.dumps((data, name, rules, limit, memory, timeout),
                           protocol=pickle.HIGHEST_PROTOCOL)
    # one thread per numeric library: each thread reserves address space under the cap
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    try:
        done = subprocess.run([sys.executable, "-m", "subsidy.claims.bounded"], input=request,
                              capture_output=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise _refusal_timeout(timeout) from None
    except OSError as exc:
        raise _refusal_failed(f"worker: {exc.strerror}") from None
    if done.returncode != 0 or not done.stdout:
        # Killed by the kernel past the memory cap, or by SIGXCPU past the CPU cap.
        if done.returncode in (-9, -24) or b"MemoryError" in done.stderr:
            raise (_refusal_memory(memory) if done.returncode != -24 else _refusal_timeout(timeout))
        raise _refusal_failed(f"worker exit {done.returncode}")
    answer = pickle.loads(done.stdout)
    kind = answer[0]
    if kind == "ok":
        return answer[1]
    if kind == "refused":
        raise ClaimsFileError(answer[1], answer[2])
    if kind == "memory":
        raise _refusal_memory(memory)
    raise _refusal_failed(str(answer[1]))


def _cap(memory: int, seconds: float) -> None:
    """Cap this process's address space and CPU time (where the platform allows)."""
    try:
        import resource
    except ImportError:  # not POSIX: the parent's timeout still holds
        return
    for kind, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, int(seconds) + 1)):
        try:
            soft, hard = resource.getrlimit(kind)
            wanted = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (wanted, hard))
        except (ValueError, OSError):
            pass


def _work(request: bytes) -> tuple[Any, ...]:
    data, name, rules, limit, memory, seconds = pickle.loads(request)
    # the program's own modules are loaded before the caps: only reading the file is capped
    from openpyxl import load_workbook  # noqa: F401 — loaded here, used by the reader

    from ..evaluate import default_rules
    from .reader import read_claims

    rules = rules or default_rules()
    _cap(memory, seconds)
    try:
        return ("ok", read_claims(data, name, rules=rules, limit=limit))
    except ClaimsFileError as exc:
        return ("refused", exc.message_zh, exc.message_en)
    except MemoryError:
        return ("memory",)
    except RecursionError:
        return ("error", "RecursionError")
    except Exception as exc:  # noqa: BLE001 — reported to the parent as a refusal
        return ("error", type(exc).__name__)


def main() -> None:
    """Worker: a pickled request on standard input, the pickled answer on standard output."""
    answer = _work(sys.stdin.buffer.read())
    try:
        out = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        out = pickle.dumps(("memory",))
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
